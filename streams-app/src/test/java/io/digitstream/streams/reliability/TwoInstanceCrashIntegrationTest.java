package io.digitstream.streams.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.digitstream.record.DigitImage;
import io.digitstream.record.Json;
import io.digitstream.streams.Fixtures;
import io.digitstream.streams.StreamsCli;
import io.digitstream.testkit.EmbeddedKafkaExtension;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two scoring applications as separate JVMs share a 4-partition images topic carrying 20,000 images
 * and their labels; one is killed with SIGKILL mid-stream and started again. Under {@code
 * exactly_once_v2} a {@code read_committed} reader sees exactly one prediction per image and the
 * cumulative confusion matrix counts each labelled image once; under {@code at_least_once} no image
 * is missing and the duplicates are counted and reported.
 *
 * <p>Part of the long suite (a few minutes): run with {@code -Ddigitstream.long=true}.
 */
@Tag("long")
@EnabledIfSystemProperty(named = "digitstream.long", matches = "true")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoInstanceCrashIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(TwoInstanceCrashIntegrationTest.class);
  private static final int IMAGES = 20_000;

  @RegisterExtension
  static final EmbeddedKafkaExtension kafka =
      EmbeddedKafkaExtension.create().withQuickTransactionAbort();

  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE})
  void killingOneOfTwoInstancesMidStreamLosesNoImage(String guarantee) throws Exception {
    String name = Fixtures.uniqueName("two-" + guarantee.replace('_', '-'));
    long started = System.nanoTime();

    Process a = launch(name, guarantee, "a", "a-1.log");
    Process b = launch(name, guarantee, "b", "b-1.log");
    Process aAgain = null;
    int committedAtKill;
    try {
      kafka
          .clients()
          .awaitServing(name + ".images", Duration.ofSeconds(60), a, dir.resolve("a-1.log"));
      List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
      for (int i = 0; i < IMAGES; i++) {
        DigitImage image = Fixtures.image("img-" + i, i);
        records.add(new ProducerRecord<>(name + ".images", image.id(), Fixtures.json(image)));
        int digit = Fixtures.digits().label(i % Fixtures.digits().size());
        records.add(
            new ProducerRecord<>(
                name + ".labels",
                image.id(),
                ("{\"id\":\"" + image.id() + "\",\"label\":" + digit + "}").getBytes()));
      }
      kafka.clients().send(records);
      kafka
          .clients()
          .readCommitted(name + ".predictions", IMAGES / 5, Duration.ofSeconds(180), Duration.ZERO);
      a.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      committedAtKill =
          kafka
              .clients()
              .readCommitted(
                  name + ".predictions", Integer.MAX_VALUE, Duration.ofSeconds(2), Duration.ZERO)
              .size();
      log.info("{}: killed instance a with {} predictions committed", guarantee, committedAtKill);
      aAgain = launch(name, guarantee, "a", "a-2.log");

      List<ConsumerRecord<String, byte[]>> predictions =
          kafka
              .clients()
              .readCommitted(
                  name + ".predictions", IMAGES, Duration.ofSeconds(300), Duration.ofSeconds(5));
      Map<String, Long> perId =
          predictions.stream()
              .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
      long duplicates = predictions.size() - perId.size();
      long missing = IMAGES - perId.size();
      long matrixCount = awaitStableCumulativeCount(name);
      long elapsedMs = (System.nanoTime() - started) / 1_000_000;
      log.info(
          "RESULT {}: {} images, {} predictions, {} distinct, {} missing, {} duplicates,"
              + " cumulative matrix count {}, {} committed at kill, {} ms",
          guarantee,
          IMAGES,
          predictions.size(),
          perId.size(),
          missing,
          duplicates,
          matrixCount,
          committedAtKill,
          elapsedMs);

      assertThat(committedAtKill).as("killed mid-stream").isLessThan(IMAGES);
      assertThat(missing).as("images without a prediction").isZero();
      if (guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)) {
        assertThat(duplicates).as("duplicate predictions").isZero();
        assertThat(matrixCount).as("labelled images counted").isEqualTo(IMAGES);
      } else {
        assertThat(matrixCount).as("labelled images counted").isGreaterThanOrEqualTo(IMAGES);
      }
      assertThat(b.isAlive()).as("instance b survived").isTrue();
      assertThat(aAgain.isAlive()).as("restarted instance a running").isTrue();
    } finally {
      for (Process p : new Process[] {a, b, aAgain}) {
        if (p != null && p.isAlive()) {
          p.destroy();
          if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        }
      }
    }
  }

  /** The newest cumulative count on the accuracy topic once it has stopped changing. */
  private long awaitStableCumulativeCount(String name) {
    String key = Fixtures.bundle().version() + "|cumulative";
    long[] last = {-1};
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofSeconds(3))
        .until(
            () -> {
              long now = cumulativeCount(name, key);
              boolean stable = now >= IMAGES && now == last[0];
              last[0] = now;
              return stable;
            });
    return last[0];
  }

  private long cumulativeCount(String name, String key) throws IOException {
    List<ConsumerRecord<String, byte[]>> records =
        kafka
            .clients()
            .readCommitted(
                name + ".accuracy", Integer.MAX_VALUE, Duration.ofSeconds(2), Duration.ZERO);
    long count = 0;
    for (ConsumerRecord<String, byte[]> r : records) {
      if (key.equals(r.key()) && r.value() != null) {
        JsonNode window = Json.MAPPER.readTree(r.value());
        count = Math.max(count, window.path("matrix").path("count").asLong());
      }
    }
    return count;
  }

  private Process launch(String name, String guarantee, String instance, String logName)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx768m");
    command.add("-Dorg.bytedeco.javacpp.maxbytes=768m");
    command.add("-Dorg.bytedeco.javacpp.maxphysicalbytes=2g");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(StreamsCli.class.getName());
    command.add("--bootstrap-servers=" + kafka.bootstrapServers());
    command.add("--model=" + Fixtures.modelDirectory());
    command.add("--threads=2");
    Map<String, String> settings =
        Map.ofEntries(
            Map.entry("application.id", name),
            Map.entry("processing.guarantee", guarantee),
            Map.entry("state.dir", dir.resolve(name + "-state-" + instance).toString()),
            Map.entry("digitstream.topic.images", name + ".images"),
            Map.entry("digitstream.topic.predictions", name + ".predictions"),
            Map.entry("digitstream.topic.dlq", name + ".dlq"),
            Map.entry("digitstream.topic.labels", name + ".labels"),
            Map.entry("digitstream.topic.accuracy", name + ".accuracy"),
            Map.entry("digitstream.shadow.topic", name + ".shadow"),
            Map.entry("digitstream.topics.partitions", "4"),
            Map.entry("digitstream.http.port", "0"),
            // The killed member leaves the group and its transaction ends within seconds.
            Map.entry("session.timeout.ms", "6000"),
            Map.entry("heartbeat.interval.ms", "1500"),
            Map.entry("producer.transaction.timeout.ms", "5000"));
    settings.forEach(
        (k, v) -> {
          command.add("-X");
          command.add(k + "=" + v);
        });
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectOutput(dir.resolve(logName).toFile());
    builder.environment().put("OMP_NUM_THREADS", "1");
    return builder.start();
  }
}
