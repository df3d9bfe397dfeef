package io.digitstream.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.record.Codec;
import io.digitstream.record.Prediction;
import io.digitstream.streams.deadletter.DeadLetters;
import io.digitstream.testkit.TestClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end-to-end check shared by the embedded-broker and the Testcontainers test: N images (and a
 * few bad records among them) in, exactly N predictions out as seen by a {@code read_committed}
 * reader, one per image id, and every bad record in the dead-letter topic.
 */
final class ExactlyOnceScenario {
  private static final Logger log = LoggerFactory.getLogger(ExactlyOnceScenario.class);

  private ExactlyOnceScenario() {}

  static void scoresEveryImageExactlyOnce(String bootstrap, Path stateDir, int images)
      throws InterruptedException {
    String name = "eos-" + UUID.randomUUID().toString().substring(0, 8);
    StreamsSettings settings =
        StreamsSettings.load(null, Map.of(), Fixtures.settings(bootstrap, name, stateDir));
    String imagesTopic = settings.topics().names().images();
    TestClients clients = TestClients.of(bootstrap);

    List<ProducerRecord<String, byte[]>> bad =
        List.of(
            new ProducerRecord<>(imagesTopic, "bad-1", "not json".getBytes(StandardCharsets.UTF_8)),
            new ProducerRecord<>(imagesTopic, "bad-2", (byte[]) null),
            new ProducerRecord<>(
                imagesTopic, "someone-else", Fixtures.json(Fixtures.image("x", 1))));
    List<ProducerRecord<String, byte[]>> records =
        new ArrayList<>(Fixtures.imageRecords(imagesTopic, "img-", images));
    for (int i = 0; i < bad.size(); i++) {
      records.add((i + 1) * images / (bad.size() + 1), bad.get(i));
    }

    try (ScoringService service = new ScoringService(settings)) {
      service.start();
      assertThat(service.awaitRunning(Duration.ofSeconds(60))).as("running").isTrue();
      clients.send(records);

      List<ConsumerRecord<String, byte[]>> predictions =
          clients.readCommitted(
              settings.topics().names().predictions(),
              images,
              Duration.ofSeconds(90),
              Duration.ofSeconds(2));
      List<ConsumerRecord<String, byte[]>> letters =
          clients.readCommitted(
              settings.topics().names().deadLetters(),
              bad.size(),
              Duration.ofSeconds(30),
              Duration.ZERO);

      assertThat(predictions).hasSize(images);
      Set<String> ids = predictions.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
      assertThat(ids).hasSize(images);
      for (ConsumerRecord<String, byte[]> record : predictions) {
        Prediction prediction = Codec.predictions().decode(record.value());
        assertThat(prediction.id()).isEqualTo(record.key());
        assertThat(prediction.modelVersion()).isEqualTo(Fixtures.bundle().version());
      }
      assertThat(letters)
          .extracting(r -> reason(r))
          .containsExactlyInAnyOrder(
              "not valid JSON",
              "null value: expected an image JSON object",
              "key 'someone-else' differs from the image id 'x'");
      // Original bytes, both for a record that failed to deserialize and one a processor refused.
      for (ProducerRecord<String, byte[]> original : List.of(bad.get(0), bad.get(2))) {
        assertThat(letters)
            .filteredOn(r -> original.key().equals(r.key()))
            .singleElement()
            .satisfies(r -> assertThat(r.value()).isEqualTo(original.value()));
      }
      assertThat(service.failure()).isEmpty();

      // Caching turns most put-then-delete pairs into one tombstone per slot and commit.
      List<ConsumerRecord<String, byte[]>> changelog =
          clients.readCommitted(
              name + "-pending-images-changelog",
              Integer.MAX_VALUE,
              Duration.ofSeconds(2),
              Duration.ZERO);
      long withImage = changelog.stream().filter(r -> r.value() != null).count();
      log.info(
          "{} images wrote {} changelog records, {} of them with an image, {} tombstones",
          images,
          changelog.size(),
          withImage,
          changelog.size() - withImage);
      assertThat(withImage).isLessThan(images);
    }
  }

  private static String reason(ConsumerRecord<String, byte[]> record) {
    String message =
        new String(
            record.headers().lastHeader(DeadLetters.MESSAGE).value(), StandardCharsets.UTF_8);
    // The JSON parser's detail after the colon varies; the reason before it is ours.
    return message.startsWith("not valid JSON") ? "not valid JSON" : message;
  }
}
