package io.digitstream.streams.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.model.ModelBundle;
import io.digitstream.record.Codec;
import io.digitstream.record.DigitImage;
import io.digitstream.record.ModelAnnouncement;
import io.digitstream.streams.Fixtures;
import io.digitstream.streams.PoisonedModels;
import io.digitstream.streams.ScoringService;
import io.digitstream.streams.StreamsSettings;
import io.digitstream.streams.models.ModelStatus;
import io.digitstream.testkit.EmbeddedKafkaExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model that passes every check at load (its reference batch included) and then fails on the
 * images it meets in service: before, the stream thread stopped on the first batch, the next owner
 * of the task restored the same images and stopped the same way, and every restart loaded the model
 * again from the models topic.
 */
class PoisonedModelIntegrationTest {
  private static final int IMAGES = 300;

  @RegisterExtension static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.create();

  @TempDir Path stateDir;
  @TempDir Path bundles;

  @Test
  void quarantinesAModelThatFailsInServiceRescoresWithTheLastGoodOneAndSkipsItAfterARestart()
      throws Exception {
    String name = Fixtures.uniqueName("poisoned");
    Map<String, String> config =
        new HashMap<>(Fixtures.settings(kafka.bootstrapServers(), name, stateDir));
    config.put(StreamsSettings.BATCH_MAX_SIZE, "16");
    StreamsSettings settings = StreamsSettings.load(null, Map.of(), config);
    String images = settings.topics().names().images();
    String predictions = settings.topics().names().predictions();
    String models = settings.topics().names().models();
    ModelBundle good = Fixtures.bundle();
    ModelBundle trap = PoisonedModels.cornerTrapBundle(bundles.resolve("trap"));
    ModelBundle b = ModelBundle.open(Fixtures.resource("model-b"));

    try (ScoringService service = new ScoringService(settings)) {
      service.start();
      assertThat(service.awaitRunning(Duration.ofSeconds(60))).isTrue();
      announce(models, ModelAnnouncement.ACTIVE, trap);
      Fixtures.awaitModel(service, s -> trap.version().equals(s.active().version()));

      List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
      for (int i = 0; i < IMAGES; i++) {
        DigitImage image = PoisonedModels.cornerInked("p-" + i, i);
        records.add(new ProducerRecord<>(images, image.id(), Codec.images().encode(image)));
      }
      kafka.clients().send(records);

      List<ConsumerRecord<String, byte[]>> scored =
          kafka
              .clients()
              .readCommitted(predictions, IMAGES, Duration.ofSeconds(90), Duration.ofSeconds(2));
      assertThat(scored).hasSize(IMAGES);
      assertThat(scored.stream().map(ConsumerRecord::key).collect(Collectors.toSet()))
          .hasSize(IMAGES);
      assertThat(scored)
          .extracting(r -> Codec.predictions().decode(r.value()).modelVersion())
          .containsOnly(good.version());
      assertThat(kafka.clients().countCommitted(settings.topics().names().deadLetters())).isZero();
      assertThat(service.state()).isEqualTo(KafkaStreams.State.RUNNING);
      assertThat(service.failure()).isEmpty();

      ModelStatus status = service.model().orElseThrow();
      assertThat(status.active().version()).isEqualTo(good.version());
      assertThat(status.quarantined()).extracting(q -> q.version()).containsExactly(trap.version());
      HttpResponse<String> health = get(service.url().orElseThrow().resolve("/health"));
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body())
          .contains("\"status\":\"DEGRADED\"")
          .contains(
              "model "
                  + trap.version()
                  + " is quarantined: model "
                  + trap.version()
                  + " failed on a batch of");
      assertThat(get(service.url().orElseThrow().resolve("/metrics")).body())
          .contains("digitstream_model_quarantined_total 1.0");

      // An announcement keyed by another role is refused, not loaded.
      kafka
          .clients()
          .send(
              List.of(
                  new ProducerRecord<>(
                      models,
                      ModelAnnouncement.SHADOW,
                      Codec.modelAnnouncements()
                          .encode(announcement(ModelAnnouncement.ACTIVE, b)))));
      Fixtures.awaitModel(
          service,
          s -> s.lastAnnouncement() != null && "miskeyed".equals(s.lastAnnouncement().outcome()));
      assertThat(service.model().orElseThrow().active().version()).isEqualTo(good.version());
    }

    // The models topic still announces the trap; the restarted instance does not load it again.
    try (ScoringService restarted =
        new ScoringService(StreamsSettings.load(null, Map.of(), config))) {
      restarted.start();
      ModelStatus status = restarted.model().orElseThrow();
      assertThat(status.active().version()).isEqualTo(good.version());
      assertThat(status.quarantined()).extracting(q -> q.version()).containsExactly(trap.version());
      assertThat(
              restarted
                  .metrics()
                  .modelReloads(io.digitstream.streams.metrics.AppMetrics.ModelReload.QUARANTINED))
          .isEqualTo(1);
    }
  }

  private static ModelAnnouncement announcement(String role, ModelBundle bundle) {
    return ModelAnnouncement.of(
        role,
        bundle.version(),
        bundle.directory().toString(),
        bundle.metadata().networkSha256(),
        System.currentTimeMillis());
  }

  private void announce(String topic, String role, ModelBundle bundle) {
    kafka
        .clients()
        .send(
            List.of(
                new ProducerRecord<>(
                    topic, role, Codec.modelAnnouncements().encode(announcement(role, bundle)))));
  }

  private static HttpResponse<String> get(URI uri) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
