package io.digitstream.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.image.MnistDataset;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.ModelBundle;
import io.digitstream.record.Codec;
import io.digitstream.record.ModelAnnouncement;
import io.digitstream.record.Prediction;
import io.digitstream.streams.accuracy.AccuracyQueries;
import io.digitstream.streams.metrics.AppMetrics.ModelReload;
import io.digitstream.streams.models.ModelStatus;
import io.digitstream.testkit.EmbeddedKafkaExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model switches on a real broker under exactly-once: an announcement mid-stream, a corrupt bundle
 * refused, and a restart that starts with the newest announced model that passes its checks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelLifecycleIntegrationTest {
  private static final int FIRST = 1_000;
  private static final int SECOND = 1_000;
  private static final int THIRD = 200;

  @RegisterExtension static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.create();

  @TempDir Path stateDir;
  @TempDir Path bundles;

  @Test
  void switchesModelsMidStreamScoringEveryImageOnceAndRefusesACorruptBundle() throws Exception {
    String name = "models-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> config =
        new HashMap<>(Fixtures.settings(kafka.bootstrapServers(), name, stateDir));
    config.put(StreamsSettings.BATCH_MAX_SIZE, "16");
    StreamsSettings settings = StreamsSettings.load(null, Map.of(), config);
    String images = settings.topics().names().images();
    String predictions = settings.topics().names().predictions();
    String models = settings.topics().names().models();
    ModelBundle a = Fixtures.bundle();
    ModelBundle b = Fixtures.signedCopy(Fixtures.resource("model-b"), bundles.resolve("b"));

    try (ScoringService service = new ScoringService(settings)) {
      service.start();
      assertThat(service.awaitRunning(Duration.ofSeconds(60))).isTrue();
      assertThat(service.model().orElseThrow().active().version()).isEqualTo(a.version());

      kafka.clients().send(Fixtures.imageRecords(images, "a-", FIRST));
      // Some images are scored by A before B is announced, the rest may still be pending.
      awaitCommitted(predictions, 1);
      announce(models, b, b.directory().toString());
      Fixtures.awaitModel(service, s -> b.version().equals(s.active().version()));
      kafka.clients().send(Fixtures.imageRecords(images, "b-", SECOND));

      List<ConsumerRecord<String, byte[]>> scored = read(predictions, FIRST + SECOND);
      assertThat(scored).hasSize(FIRST + SECOND);
      assertThat(scored.stream().map(ConsumerRecord::key).collect(Collectors.toSet()))
          .hasSize(FIRST + SECOND);
      Map<String, Long> byVersion = new HashMap<>();
      Map<Integer, String> lastVersionOfPartition = new HashMap<>();
      for (ConsumerRecord<String, byte[]> record : scored) {
        Prediction p = Codec.predictions().decode(record.value());
        assertThat(p.modelVersion()).isIn(a.version(), b.version());
        byVersion.merge(p.modelVersion(), 1L, Long::sum);
        if (record.key().startsWith("b-")) {
          // Sent after the switch: only B can have scored them.
          assertThat(p.modelVersion()).as(record.key()).isEqualTo(b.version());
        }
        // The boundary: in a partition's order, once B has scored, A never scores again.
        String before = lastVersionOfPartition.put(record.partition(), p.modelVersion());
        if (b.version().equals(before)) {
          assertThat(p.modelVersion())
              .as("after B in partition " + record.partition())
              .isEqualTo(b.version());
        }
      }
      assertThat(byVersion).containsKeys(a.version(), b.version());
      System.out.printf(
          "ModelLifecycleIntegrationTest: %d predictions by A %s, %d by B %s%n",
          byVersion.get(a.version()), a.version(), byVersion.get(b.version()), b.version());

      // A corrupt copy of A: announced, refused, and B keeps serving.
      Path corrupt = truncatedCopy(a, bundles.resolve("corrupt-a"));
      announce(models, a, corrupt.toString());
      send(models, "not json".getBytes(StandardCharsets.UTF_8));
      announce(models, a, corrupt.toString());
      Fixtures.awaitModel(service, s -> "refused".equals(lastOutcome(s)));
      assertThat(service.metrics().modelReloads(ModelReload.INVALID)).isEqualTo(1);
      kafka.clients().send(Fixtures.imageRecords(images, "c-", THIRD));
      List<ConsumerRecord<String, byte[]>> after = read(predictions, FIRST + SECOND + THIRD);
      assertThat(after).hasSize(FIRST + SECOND + THIRD);
      assertThat(after.stream().filter(r -> r.key().startsWith("c-")))
          .extracting(r -> Codec.predictions().decode(r.value()).modelVersion())
          .containsOnly(b.version());

      ModelStatus status = service.model().orElseThrow();
      assertThat(status.active().version()).isEqualTo(b.version());
      assertThat(status.lastAnnouncement().version()).isEqualTo(a.version());
      assertThat(status.lastAnnouncement().reason()).contains("is corrupt or was replaced");
      HttpResponse<String> health = get(service.url().orElseThrow().resolve("/health"));
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body())
          .contains(
              "\"lastAnnouncement\":{\"version\":\""
                  + a.version()
                  + "\",\"role\":\"active\",\"outcome\":\"refused\"");
      String metrics = get(service.url().orElseThrow().resolve("/metrics")).body();
      assertThat(metrics)
          .contains("digitstream_model_reloads_total{outcome=\"loaded\"} 1.0")
          .contains("digitstream_model_active{model_version=\"" + b.version() + "\"} 1.0");
      // Twice as announced, then again by the retries (a copy may still have been arriving).
      assertThat(service.metrics().modelReloads(ModelReload.REFUSED)).isGreaterThanOrEqualTo(2);
    }

    // A restart configured with A: the newest announcement (corrupt) is refused, B before it wins.
    config.put("state.dir", stateDir.resolve("restart").toString());
    try (ScoringService restarted =
        new ScoringService(StreamsSettings.load(null, Map.of(), config))) {
      restarted.start();
      assertThat(restarted.model().orElseThrow().active().version()).isEqualTo(b.version());
    }
  }

  @Test
  void shadowModeScoresTheSameImagesWithBothModelsAndKeepsAMatrixForEach() throws Exception {
    String name = "shadow-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> config =
        new HashMap<>(Fixtures.settings(kafka.bootstrapServers(), name, stateDir));
    config.put(StreamsSettings.SHADOW_TOPIC, name + ".shadow");
    StreamsSettings settings = StreamsSettings.load(null, Map.of(), config);
    String models = settings.topics().names().models();
    ModelBundle a = Fixtures.bundle();
    ModelBundle b = Fixtures.signedCopy(Fixtures.resource("model-b"), bundles.resolve("b"));
    MnistDataset digits = Fixtures.digits();
    int images = 500;

    try (ScoringService service = new ScoringService(settings)) {
      service.start();
      assertThat(service.awaitRunning(Duration.ofSeconds(60))).isTrue();
      announce(models, ModelAnnouncement.SHADOW, b, b.directory().toString());
      Fixtures.awaitModel(service, s -> b.version().equals(s.shadowVersion()));

      kafka.clients().send(AccuracyFixtures.imagesAndLabels(settings, "s-", digits, images));

      // The active model's predictions only on the predictions topic, the shadow's on its own.
      List<ConsumerRecord<String, byte[]>> active =
          read(settings.topics().names().predictions(), images);
      List<ConsumerRecord<String, byte[]>> shadow = read(settings.shadowTopic(), images);
      assertThat(active).hasSize(images);
      assertThat(shadow).hasSize(images);
      assertThat(active)
          .extracting(r -> Codec.predictions().decode(r.value()).modelVersion())
          .containsOnly(a.version());
      assertThat(shadow)
          .extracting(r -> Codec.predictions().decode(r.value()).modelVersion())
          .containsOnly(b.version());
      assertThat(ids(shadow)).isEqualTo(ids(active));

      // Each version's cumulative matrix covers the same images and equals its own evaluation.
      AccuracyQueries accuracy = service.accuracy();
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(
              () ->
                  count(accuracy, a.version()) >= images && count(accuracy, b.version()) >= images);
      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  count(accuracy, a.version()) == images && count(accuracy, b.version()) == images);
      ConfusionMatrix byA = accuracy.cumulative(a.version()).orElseThrow().matrix();
      ConfusionMatrix byB = accuracy.cumulative(b.version()).orElseThrow().matrix();
      assertThat(byA.matrix())
          .isDeepEqualTo(AccuracyFixtures.reference(Fixtures.reference(), digits, images).matrix());
      assertThat(byB.matrix())
          .isDeepEqualTo(
              AccuracyFixtures.reference(DigitClassifier.load(b), digits, images).matrix());
      System.out.printf(
          "ModelLifecycleIntegrationTest: on the same %d images A %s %.4f, shadow B %s %.4f%n",
          images, a.version(), byA.accuracy(), b.version(), byB.accuracy());

      // The page's summary lists both versions side by side.
      HttpResponse<String> summary =
          AccuracyFixtures.get(service.url().orElseThrow(), "/api/summary");
      assertThat(summary.statusCode()).isEqualTo(200);
      assertThat(summary.body()).contains(a.version()).contains(b.version());
      HttpResponse<String> health = AccuracyFixtures.get(service.url().orElseThrow(), "/health");
      assertThat(health.body()).contains("\"shadow\":{\"version\":\"" + b.version() + "\"");

      // Retired: the shadow scores nothing more.
      send(models, ModelAnnouncement.SHADOW, ModelAnnouncement.retireShadow(b.version(), 1L));
      Fixtures.awaitModel(service, s -> s.shadow() == null && "retired".equals(lastOutcome(s)));
      kafka
          .clients()
          .send(Fixtures.imageRecords(settings.topics().names().images(), "after-", 100));
      assertThat(read(settings.topics().names().predictions(), images + 100)).hasSize(images + 100);
      assertThat(kafka.clients().countCommitted(settings.shadowTopic())).isEqualTo(images);
    }
  }

  private static Set<String> ids(List<ConsumerRecord<String, byte[]>> records) {
    return records.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
  }

  private static long count(AccuracyQueries accuracy, String version) {
    return accuracy.cumulative(version).map(w -> w.matrix().count()).orElse(0L);
  }

  private void announce(String topic, ModelBundle bundle, String location) {
    announce(topic, ModelAnnouncement.ACTIVE, bundle, location);
  }

  private void announce(String topic, String role, ModelBundle bundle, String location) {
    send(
        topic,
        role,
        ModelAnnouncement.of(
            role,
            bundle.version(),
            location,
            bundle.metadata().networkSha256(),
            System.currentTimeMillis()));
  }

  private void send(String topic, String role, ModelAnnouncement announcement) {
    kafka
        .clients()
        .send(
            List.of(
                new ProducerRecord<>(
                    topic, role, Codec.modelAnnouncements().encode(announcement))));
  }

  private void send(String topic, byte[] value) {
    kafka.clients().send(List.of(new ProducerRecord<>(topic, ModelAnnouncement.ACTIVE, value)));
  }

  private static Path truncatedCopy(ModelBundle bundle, Path target) throws IOException {
    Files.createDirectories(target);
    Files.copy(
        bundle.directory().resolve(ModelBundle.METADATA_FILE),
        target.resolve(ModelBundle.METADATA_FILE));
    byte[] network = Files.readAllBytes(bundle.networkFile());
    Files.write(
        target.resolve(ModelBundle.NETWORK_FILE),
        java.util.Arrays.copyOf(network, network.length / 3));
    return target;
  }

  /** The outcome of the latest announcement, or null before the first. */
  private static String lastOutcome(ModelStatus status) {
    return status.lastAnnouncement() == null ? null : status.lastAnnouncement().outcome();
  }

  private void awaitCommitted(String topic, int atLeast) {
    List<ConsumerRecord<String, byte[]>> seen =
        kafka.clients().readCommitted(topic, atLeast, Duration.ofSeconds(60), Duration.ZERO);
    assertThat(seen.size()).isGreaterThanOrEqualTo(atLeast);
  }

  private List<ConsumerRecord<String, byte[]>> read(String topic, int expected) {
    return kafka
        .clients()
        .readCommitted(topic, expected, Duration.ofSeconds(90), Duration.ofSeconds(2));
  }

  private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
