package io.digitstream.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.config.ConfigException;
import io.digitstream.record.Codec;
import io.digitstream.testkit.EmbeddedKafkaExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The scoring service against a real single-node Kafka broker in this JVM. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScoringServiceIntegrationTest {
  @RegisterExtension static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.create();

  @TempDir Path stateDir;

  @Test
  void scoresEveryImageExactlyOnceAsSeenByReadCommittedReaders() throws Exception {
    ExactlyOnceScenario.scoresEveryImageExactlyOnce(kafka.bootstrapServers(), stateDir, 2_000);
  }

  @Test
  void scoresImagesStillPendingWhenTheApplicationStoppedAfterItRestarts() throws Exception {
    String name = "restart-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> config =
        new HashMap<>(Fixtures.settings(kafka.bootstrapServers(), name, stateDir));
    config.put("num.stream.threads", "1");
    config.put(StreamsSettings.TOPICS_PARTITIONS, "1");
    config.put(StreamsSettings.BATCH_MAX_SIZE, "64");
    // Only full batches are scored in the first run: 100 images leave 36 pending.
    config.put(StreamsSettings.BATCH_MAX_WAIT_MS, "60000");
    StreamsSettings first = StreamsSettings.load(null, Map.of(), config);
    String predictions = first.topics().names().predictions();

    try (ScoringService service = new ScoringService(first)) {
      service.start();
      assertThat(service.awaitRunning(Duration.ofSeconds(60))).isTrue();
      kafka.clients().send(Fixtures.imageRecords(first.topics().names().images(), "img-", 100));
      assertThat(read(predictions, 64, Duration.ofSeconds(1))).hasSize(64);
    }

    // A fresh state directory: the pending images can only come back from the changelog.
    config.put("state.dir", stateDir.resolve("second-instance").toString());
    config.put(StreamsSettings.BATCH_MAX_WAIT_MS, "20");
    try (ScoringService service =
        new ScoringService(StreamsSettings.load(null, Map.of(), config))) {
      service.start();
      List<ConsumerRecord<String, byte[]>> all = read(predictions, 100, Duration.ofSeconds(2));
      assertThat(all).hasSize(100);
      Set<String> ids = all.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
      assertThat(ids).hasSize(100);
      assertThat(Codec.predictions().decode(all.get(99).value()).id()).isEqualTo("img-99");
    }
  }

  @Test
  void createsMissingTopicsWithTheConfiguredPartitions() throws Exception {
    String name = "create-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> config =
        new HashMap<>(Fixtures.settings(kafka.bootstrapServers(), name, stateDir));
    config.put(StreamsSettings.TOPICS_PARTITIONS, "3");

    try (ScoringService service =
        new ScoringService(StreamsSettings.load(null, Map.of(), config))) {
      service.start();
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        Map<String, TopicDescription> topics =
            admin
                .describeTopics(
                    List.of(
                        name + ".images",
                        name + ".labels",
                        name + ".predictions",
                        name + ".dlq",
                        name + ".accuracy"))
                .allTopicNames()
                .get();
        assertThat(topics.values()).allSatisfy(t -> assertThat(t.partitions()).hasSize(3));
        ConfigResource accuracy = new ConfigResource(ConfigResource.Type.TOPIC, name + ".accuracy");
        Config accuracyConfig = admin.describeConfigs(List.of(accuracy)).all().get().get(accuracy);
        assertThat(accuracyConfig.get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
            .isEqualTo("compact,delete");
      }
    }
  }

  @Test
  void namesEveryMissingTopicWhenCreationIsOff() {
    String name = "absent-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> config =
        new HashMap<>(Fixtures.settings(kafka.bootstrapServers(), name, stateDir));
    config.put(StreamsSettings.TOPICS_CREATE, "false");
    kafka.broker().createTopics(Map.of(name + ".predictions", 1));

    try (ScoringService service =
        new ScoringService(StreamsSettings.load(null, Map.of(), config))) {
      assertThatThrownBy(service::start)
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "Missing topics: "
                  + name
                  + ".images (digitstream.topic.images), "
                  + name
                  + ".labels (digitstream.topic.labels), "
                  + name
                  + ".shadow (digitstream.shadow.topic), "
                  + name
                  + ".dlq (digitstream.topic.dlq), "
                  + name
                  + ".accuracy (digitstream.topic.accuracy), "
                  + name
                  + ".models (digitstream.topic.models), "
                  + name
                  + ".alerts (digitstream.topic.alerts). Create them, or set"
                  + " digitstream.topics.create=true to let the application create them with 4"
                  + " partitions ("
                  + name
                  + ".models: 1) and a replication factor that follows the cluster size (1 on one"
                  + " broker, 3 from three on)");
    }
  }

  private List<ConsumerRecord<String, byte[]>> read(String topic, int expected, Duration quiet) {
    return kafka.clients().readCommitted(topic, expected, Duration.ofSeconds(90), quiet);
  }
}
