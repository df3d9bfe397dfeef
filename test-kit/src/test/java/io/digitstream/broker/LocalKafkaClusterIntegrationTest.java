package io.digitstream.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.digitstream.testkit.KafkaClusterExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three real KRaft nodes in child JVMs: replicated internal topics, a kill -9 of the leader that a
 * producer with {@code acks=all} rides out, a restart on the same data, and nodes that die with the
 * JVM that started them.
 */
class LocalKafkaClusterIntegrationTest {

  @RegisterExtension static final KafkaClusterExtension kafka = KafkaClusterExtension.ofBrokers(3);

  @Test
  void keepsAcceptingAndServingRecordsWhenTheLeaderIsKilledAndTakesItBackAfterARestart()
      throws Exception {
    LocalKafkaCluster cluster = kafka.cluster();
    assertThat(cluster.nodeIds()).containsExactly(1, 2, 3);
    assertThat(cluster.bootstrapServers().split(",")).hasSize(3);
    try (Admin admin = kafka.clients().admin()) {
      admin.createTopics(List.of(new NewTopic("kill-leader", 6, (short) 3))).all().get();
      cluster.awaitFullIsr(Duration.ofSeconds(60));
      // The broker's defaults follow the cluster's size.
      String minIsr =
          admin
              .describeConfigs(
                  List.of(new ConfigResource(ConfigResource.Type.TOPIC, "kill-leader")))
              .all()
              .get()
              .values()
              .iterator()
              .next()
              .get("min.insync.replicas")
              .value();
      assertThat(minIsr).isEqualTo("2");
    }
    int leader = cluster.leaderOfMostPartitions(List.of("kill-leader"));
    int controller = cluster.activeController();
    assertThat(controller).isIn(1, 2, 3);

    List<String> sent = new ArrayList<>();
    try (KafkaProducer<String, byte[]> producer =
        kafka.clients().producer(Map.of("delivery.timeout.ms", 60_000))) {
      send(producer, "before-", 100, sent);
      cluster.kill(leader);
      assertThat(cluster.isRunning(leader)).isFalse();
      send(producer, "during-", 100, sent);
      cluster.restart(leader);
      assertThat(cluster.isRunning(leader)).isTrue();
      send(producer, "after-", 100, sent);
    }
    cluster.awaitFullIsr(Duration.ofSeconds(90));
    try (Admin admin = kafka.clients().admin()) {
      TopicDescription topic =
          admin.describeTopics(List.of("kill-leader")).allTopicNames().get().get("kill-leader");
      assertThat(topic.partitions())
          .allSatisfy(p -> assertThat(p.isr()).hasSize(3))
          .anySatisfy(p -> assertThat(p.replicas().get(0).id()).isEqualTo(leader));
    }
    List<String> read =
        kafka
            .clients()
            .readCommitted("kill-leader", sent.size(), Duration.ofSeconds(60), Duration.ZERO)
            .stream()
            .map(ConsumerRecord::key)
            .toList();
    assertThat(read).containsExactlyInAnyOrderElementsOf(sent);
    // The reader's group created the offsets topic: replicated like the cluster's own defaults.
    try (Admin admin = kafka.clients().admin()) {
      TopicDescription offsets =
          admin
              .describeTopics(List.of("__consumer_offsets"))
              .allTopicNames()
              .get()
              .get("__consumer_offsets");
      assertThat(offsets.partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
    }
  }

  @Test
  void aNodeExitsByItselfWhenTheProcessThatStartedItGoesAway() throws Exception {
    try (LocalKafkaCluster single = LocalKafkaCluster.builder().brokers(1).build()) {
      // The node's stdin is the pipe its parent holds; a parent's death closes it the same way.
      int controllerPort = SaslSslListener.freePorts(1)[0];
      ProcessBuilder builder =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx256m",
                  "-cp",
                  System.getProperty("java.class.path"),
                  ClusterNode.class.getName(),
                  "--node-id=1",
                  "--port=" + single.port(1),
                  "--controller-port=" + controllerPort,
                  "--cluster-id=" + single.clusterId(),
                  "--data-dir=" + single.dataDirectory().resolve("node-1"),
                  "--voter=1=" + controllerPort)
              .redirectErrorStream(true)
              .redirectOutput(single.nodeLog(1).toFile());
      Process node = builder.start();
      try {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> Files.readString(single.nodeLog(1)).contains(ClusterNode.READY));
        node.getOutputStream().close();
        assertThat(node.waitFor(30, TimeUnit.SECONDS)).as("node exited").isTrue();
      } finally {
        node.destroyForcibly();
      }
    }
  }

  private static void send(
      KafkaProducer<String, byte[]> producer, String prefix, int count, List<String> sent)
      throws Exception {
    List<Future<?>> acks = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String key = prefix + i;
      acks.add(
          producer.send(
              new ProducerRecord<>("kill-leader", key, key.getBytes(StandardCharsets.UTF_8))));
      sent.add(key);
    }
    for (Future<?> ack : acks) {
      ack.get(90, TimeUnit.SECONDS);
    }
  }
}
