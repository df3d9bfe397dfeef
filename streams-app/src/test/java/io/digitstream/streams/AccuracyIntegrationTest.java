package io.digitstream.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.accuracy.WindowKind;
import io.digitstream.image.MnistDataset;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.ModelBundle;
import io.digitstream.record.Json;
import io.digitstream.streams.accuracy.AccuracyQueries;
import io.digitstream.streams.metrics.AppMetrics.LabelOutcome;
import io.digitstream.streams.web.Summary;
import io.digitstream.testkit.EmbeddedKafkaExtension;
import io.digitstream.topic.TopicSetupException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Rolling accuracy end to end: real broker, real model, real REST servers. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccuracyIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(AccuracyIntegrationTest.class);

  @RegisterExtension static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.create();

  @TempDir Path stateDir;

  @Test
  void cumulativeMatrixOfTheMnistTestSetEqualsTheClassifiersOwnMatrixCellByCell() throws Exception {
    MnistDataset mnist = AccuracyFixtures.mnistTestSet();
    Path model = AccuracyFixtures.repositoryRoot().resolve("models/default");
    ModelBundle bundle = ModelBundle.open(model);
    // What 'digitstream evaluate' computes: the same classifier, batches of 256, no Kafka.
    ConfusionMatrix expected =
        AccuracyFixtures.reference(DigitClassifier.load(bundle), mnist, mnist.size());

    String name = "mnist-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> config = settings(name, "one");
    config.put(StreamsSettings.MODEL, model.toString());
    StreamsSettings settings = StreamsSettings.load(null, Map.of(), config);
    try (ScoringService service = new ScoringService(settings)) {
      service.start();
      assertThat(service.awaitRunning(Duration.ofSeconds(60))).isTrue();
      long started = System.nanoTime();
      kafka
          .clients()
          .send(AccuracyFixtures.imagesAndLabels(settings, "mnist-test-", mnist, mnist.size()));

      AccuracyQueries accuracy = service.accuracy();
      await()
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(() -> count(accuracy, bundle.version()) >= mnist.size());
      log.info(
          "{} images and labels streamed, scored, joined and counted in {} ms",
          mnist.size(),
          (System.nanoTime() - started) / 1_000_000);
      // Nothing more arrives later: every image counted exactly once.
      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(5))
          .until(() -> count(accuracy, bundle.version()) == mnist.size());

      ConfusionMatrix streamed = accuracy.cumulative(bundle.version()).orElseThrow().matrix();
      log.info("Streamed accuracy {} on {} images", streamed.accuracy(), streamed.count());
      assertThat(streamed.matrix()).isDeepEqualTo(expected.matrix());
      assertThat(service.metrics().labels(LabelOutcome.PAIRED)).isEqualTo(mnist.size());
      assertThat(service.metrics().labels(LabelOutcome.DUPLICATE)).isZero();
      assertThat(service.metrics().labels(LabelOutcome.LATE)).isZero();

      // The accuracy topic's latest cumulative record says the same.
      String key = bundle.version() + "|cumulative";
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                List<ConsumerRecord<String, byte[]>> records =
                    kafka
                        .clients()
                        .readCommitted(
                            settings.topics().names().accuracy(),
                            Integer.MAX_VALUE,
                            Duration.ofSeconds(3),
                            Duration.ZERO);
                AccuracyWindow last = null;
                for (ConsumerRecord<String, byte[]> r : records) {
                  if (key.equals(r.key())) {
                    last = Json.MAPPER.readValue(r.value(), AccuracyWindow.class);
                  }
                }
                assertThat(last).isNotNull();
                assertThat(last.matrix()).isEqualTo(expected);
              });
    }
  }

  @Test
  void answersWithTheWholeMatrixFromEitherOfTwoInstances() throws Exception {
    String name = "two-" + UUID.randomUUID().toString().substring(0, 8);
    int images = 2_000;
    StreamsSettings first = StreamsSettings.load(null, Map.of(), settings(name, "a"));
    StreamsSettings second = StreamsSettings.load(null, Map.of(), settings(name, "b"));
    String version = Fixtures.bundle().version();
    ConfusionMatrix expected =
        AccuracyFixtures.reference(Fixtures.reference(), Fixtures.digits(), images);

    try (ScoringService a = new ScoringService(first);
        ScoringService b = new ScoringService(second)) {
      a.start();
      b.start();
      assertThat(a.awaitRunning(Duration.ofSeconds(60))).isTrue();
      assertThat(b.awaitRunning(Duration.ofSeconds(60))).isTrue();
      List<ProducerRecord<String, byte[]>> records =
          new ArrayList<>(
              AccuracyFixtures.imagesAndLabels(first, "img-", Fixtures.digits(), images));
      records.add(
          new ProducerRecord<>(
              first.topics().names().images(),
              "bad-1",
              "not json".getBytes(StandardCharsets.UTF_8)));
      kafka.clients().send(records);

      URI urlA = a.url().orElseThrow();
      URI urlB = b.url().orElseThrow();
      String path = "/api/accuracy/" + version + "/cumulative";
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(250))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                assertThat(AccuracyFixtures.getJson(urlA, path, AccuracyWindow.class).matrix())
                    .isEqualTo(expected);
                assertThat(AccuracyFixtures.getJson(urlB, path, AccuracyWindow.class).matrix())
                    .isEqualTo(expected);
              });

      // Only one instance holds the version's matrices; the other forwarded the question.
      List<String> heldByA = a.accuracy().localVersions();
      List<String> heldByB = b.accuracy().localVersions();
      log.info(
          "Version held by a: {}, by b: {}; images scored by a: {}, by b: {}",
          heldByA,
          heldByB,
          a.metrics().imagesScored(),
          b.metrics().imagesScored());
      assertThat(heldByA.size() + heldByB.size()).isEqualTo(1);

      for (URI url : List.of(urlA, urlB)) {
        assertThat(
                AccuracyFixtures.getJson(url, "/api/accuracy", AccuracyQueries.VersionList.class)
                    .versions())
            .containsExactly(version);
        AccuracyQueries.WindowList tumbling =
            AccuracyFixtures.getJson(
                url,
                "/api/accuracy/" + version + "/windows?kind=tumbling&limit=5",
                AccuracyQueries.WindowList.class);
        assertThat(tumbling.kind()).isEqualTo(WindowKind.TUMBLING);
        assertThat(tumbling.windows().stream().mapToLong(w -> w.matrix().count()).sum())
            .isEqualTo(images);
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(
                () -> {
                  Summary summary = AccuracyFixtures.getJson(url, "/api/summary", Summary.class);
                  assertThat(summary.instances()).hasSize(2);
                  assertThat(summary.total().imagesScored()).isEqualTo(images);
                  assertThat(summary.total().deadLetters()).isEqualTo(1);
                  assertThat(summary.versions())
                      .singleElement()
                      .satisfies(v -> assertThat(v.cumulative().matrix()).isEqualTo(expected));
                });
      }
    }
  }

  @Test
  void refusesToStartWhenImagesAndLabelsHaveDifferentPartitionCounts() {
    String name = "parts-" + UUID.randomUUID().toString().substring(0, 8);
    kafka.broker().createTopics(Map.of(name + ".images", 4, name + ".labels", 2));
    try (ScoringService service =
        new ScoringService(StreamsSettings.load(null, Map.of(), settings(name, "one")))) {
      assertThatThrownBy(service::start)
          .isInstanceOf(TopicSetupException.class)
          .hasMessageStartingWith(
              name
                  + ".images (digitstream.topic.images) has 4 partitions, "
                  + name
                  + ".labels (digitstream.topic.labels) has 2 partitions: these topics are keyed"
                  + " by image id and must have the same number of partitions");
    }
  }

  private Map<String, String> settings(String name, String instance) {
    Map<String, String> config =
        new HashMap<>(
            Fixtures.settings(kafka.bootstrapServers(), name, stateDir.resolve(instance)));
    config.put("num.stream.threads", instance.equals("one") ? "2" : "1");
    return config;
  }

  private static long count(AccuracyQueries accuracy, String version) {
    return accuracy.cumulative(version).map(w -> w.matrix().count()).orElse(0L);
  }
}
