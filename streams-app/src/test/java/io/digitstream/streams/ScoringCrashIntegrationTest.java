package io.digitstream.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.WindowMonitor;
import io.digitstream.model.ModelBundle;
import io.digitstream.record.Codec;
import io.digitstream.record.DigitLabel;
import io.digitstream.record.Prediction;
import io.digitstream.streams.accuracy.ExpectedMonitor;
import io.digitstream.streams.reliability.AppProcess;
import io.digitstream.testkit.EmbeddedKafkaExtension;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kills the scoring application with SIGKILL in the middle of a stream of images and labels and
 * starts it again: a read_committed reader must still see exactly one prediction per image, and the
 * cumulative window's counts (the matrix and every monitoring count) must be those of the published
 * predictions, each counted once. The application runs as a child JVM through {@link StreamsCli},
 * exactly as the launcher starts it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScoringCrashIntegrationTest {
  private static final int IMAGES = 6_000;
  private static final Logger log = LoggerFactory.getLogger(ScoringCrashIntegrationTest.class);

  @RegisterExtension
  static final EmbeddedKafkaExtension kafka =
      EmbeddedKafkaExtension.create().withQuickTransactionAbort();

  @TempDir Path dir;

  @Test
  void losesAndDuplicatesNothingWhenKilledInTheMiddleOfAStream() throws Exception {
    String name = "crash-" + UUID.randomUUID().toString().substring(0, 8);
    String predictions = name + ".predictions";
    List<String> args = arguments(name);

    Process first = launch(args, dir.resolve("first.log"));
    try {
      kafka
          .clients()
          .awaitServing(name + ".images", Duration.ofSeconds(60), first, dir.resolve("first.log"));
      kafka.clients().send(Fixtures.imageRecords(name + ".images", "img-", IMAGES));
      kafka.clients().send(labelRecords(name + ".labels"));
      read(predictions, IMAGES / 5, Duration.ZERO);
    } finally {
      first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    int committedAtCrash = kafka.clients().countCommitted(predictions);
    log.info(
        "Killed the application with {} of {} predictions committed", committedAtCrash, IMAGES);
    assertThat(committedAtCrash).as("predictions committed when killed").isLessThan(IMAGES);

    Process second = launch(args, dir.resolve("second.log"));
    try {
      List<ConsumerRecord<String, byte[]>> all = read(predictions, IMAGES, Duration.ofSeconds(3));
      Set<String> ids = all.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
      assertThat(ids).as("distinct image ids").hasSize(IMAGES);
      assertThat(all).as("predictions, duplicates included").hasSize(IMAGES);
      assertCountedOnce(name, all);
    } finally {
      second.destroy();
      if (!second.waitFor(30, TimeUnit.SECONDS)) {
        second.destroyForcibly();
      }
    }
    assertThat(second.exitValue()).as("exit status after SIGTERM").isIn(0, 143);
  }

  private static List<ProducerRecord<String, byte[]>> labelRecords(String topic) {
    List<ProducerRecord<String, byte[]>> labels = new ArrayList<>();
    for (int i = 0; i < IMAGES; i++) {
      String id = "img-" + i;
      labels.add(
          new ProducerRecord<>(
              topic,
              id,
              Codec.labels()
                  .encode(
                      new DigitLabel(id, Fixtures.digits().label(i % Fixtures.digits().size())))));
    }
    return labels;
  }

  /** The last committed cumulative window holds exactly the published predictions' counts. */
  private void assertCountedOnce(String name, List<ConsumerRecord<String, byte[]>> published) {
    List<Prediction> predictions =
        published.stream().map(r -> Codec.predictions().decode(r.value())).toList();
    Map<String, byte[]> pixels = new HashMap<>();
    Map<String, Integer> truth = new HashMap<>();
    for (int i = 0; i < IMAGES; i++) {
      pixels.put("img-" + i, Fixtures.image("img-" + i, i).pixels());
      truth.put("img-" + i, Fixtures.digits().label(i % Fixtures.digits().size()));
    }
    ModelBundle bundle = ModelBundle.open(model());
    WindowMonitor expected =
        ExpectedMonitor.of(predictions, pixels, truth, bundle.monitoring().orElse(null));
    String key = AccuracyWindow.cumulativeKey(bundle.version());
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              AccuracyWindow last = null;
              for (ConsumerRecord<String, byte[]> r :
                  kafka
                      .clients()
                      .readCommitted(
                          name + ".accuracy",
                          Integer.MAX_VALUE,
                          Duration.ofSeconds(5),
                          Duration.ofSeconds(1))) {
                if (key.equals(r.key())) {
                  last = Codec.accuracyWindows().decode(r.value());
                }
              }
              assertThat(last).isNotNull();
              assertThat(last.matrix().count()).isEqualTo(IMAGES);
              assertThat(last.monitor().withDrift(null)).isEqualTo(expected);
            });
    log.info(
        "Counted once: {} predictions, {} pairs, estimated accuracy {}, measured {}",
        expected.predictions(),
        expected.pairs(),
        expected.estimatedAccuracy(),
        predictions.stream().filter(p -> p.digit() == truth.get(p.id())).count() / (double) IMAGES);
  }

  private static Path model() {
    return AccuracyFixtures.repositoryRoot().resolve("models/default");
  }

  private List<String> arguments(String name) {
    List<String> args = new ArrayList<>();
    args.add("--bootstrap-servers=" + kafka.bootstrapServers());
    // The default bundle: it has a monitoring reference, so every monitoring count is exercised.
    args.add("--model=" + model());
    args.add("--threads=2");
    for (Map.Entry<String, String> e :
        Map.ofEntries(
                Map.entry("application.id", name),
                Map.entry("state.dir", dir.resolve("state").toString()),
                Map.entry("digitstream.topic.images", name + ".images"),
                Map.entry("digitstream.topic.predictions", name + ".predictions"),
                Map.entry("digitstream.topic.dlq", name + ".dlq"),
                Map.entry("digitstream.topic.labels", name + ".labels"),
                Map.entry("digitstream.topic.accuracy", name + ".accuracy"),
                Map.entry("digitstream.shadow.topic", name + ".shadow"),
                Map.entry("digitstream.http.port", "0"),
                // The killed member leaves the group and its transaction ends within seconds.
                Map.entry("session.timeout.ms", "6000"),
                Map.entry("heartbeat.interval.ms", "1500"),
                Map.entry("producer.transaction.timeout.ms", "5000"))
            .entrySet()) {
      args.add("-X");
      args.add(e.getKey() + "=" + e.getValue());
    }
    return args;
  }

  private static Process launch(List<String> args, Path log) throws IOException {
    return AppProcess.start(args, "1g", log);
  }

  private List<ConsumerRecord<String, byte[]>> read(String topic, int expected, Duration quiet) {
    return kafka.clients().readCommitted(topic, expected, Duration.ofSeconds(120), quiet);
  }
}
