package io.digitstream.streams.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.broker.EmbeddedKafkaBroker;
import io.digitstream.streams.StreamsSettings;
import io.digitstream.topic.Replication;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What can be checked of the Docker cluster without Docker: the settings each node gets. */
class DockerKafkaClusterTest {
  private static final String VOTERS = "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093";

  @Test
  void namesBrokerPropertiesAsTheImageReadsThem() {
    assertThat(DockerKafkaCluster.environmentName("transaction.state.log.min.isr"))
        .isEqualTo("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR");
    assertThat(DockerKafkaCluster.environmentName("a_b-c.d")).isEqualTo("KAFKA_A__B___C_D");
  }

  @Test
  void replicatesInternalTopicsAsTheAppsReplicateTheirsOnThreeBrokers() {
    Map<String, String> env =
        DockerKafkaCluster.environment(
            2, "cluster", VOTERS, "localhost:40123", EmbeddedKafkaBroker.QUICK_TRANSACTION_ABORT);
    Replication apps =
        Replication.choose(StreamsSettings.load(null, Map.of(), Map.of()).topicPlan(), 3);
    String factor = String.valueOf(apps.factor());
    String minInsync = String.valueOf(apps.minInsync());
    assertThat(env)
        .containsEntry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", factor)
        .containsEntry("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", factor)
        .containsEntry("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", minInsync)
        .containsEntry("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", factor)
        .containsEntry("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", minInsync)
        .containsEntry("KAFKA_DEFAULT_REPLICATION_FACTOR", factor)
        .containsEntry("KAFKA_MIN_INSYNC_REPLICAS", minInsync);
  }

  @Test
  void advertisesTheNetworkAliasToBrokersAndTheFixedHostPortToTheTest() {
    Map<String, String> env =
        DockerKafkaCluster.environment(
            2, "cluster", VOTERS, "localhost:40123", EmbeddedKafkaBroker.QUICK_TRANSACTION_ABORT);
    assertThat(env)
        .containsEntry("CLUSTER_ID", "cluster")
        .containsEntry("KAFKA_NODE_ID", "2")
        .containsEntry("KAFKA_PROCESS_ROLES", "broker,controller")
        .containsEntry("KAFKA_CONTROLLER_QUORUM_VOTERS", VOTERS)
        .containsEntry(
            "KAFKA_ADVERTISED_LISTENERS", "INTERNAL://kafka-2:29092,EXTERNAL://localhost:40123")
        .containsEntry("KAFKA_INTER_BROKER_LISTENER_NAME", "INTERNAL")
        .containsEntry(
            "KAFKA_TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS",
            EmbeddedKafkaBroker.QUICK_TRANSACTION_ABORT.get(
                "transaction.abort.timed.out.transaction.cleanup.interval.ms"));
  }
}
