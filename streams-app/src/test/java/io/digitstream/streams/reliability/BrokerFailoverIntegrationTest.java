package io.digitstream.streams.reliability;

import io.digitstream.broker.LocalKafkaCluster;
import io.digitstream.testkit.KafkaClusterExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real brokers (child JVMs) under a stream of 20,000 images and labels at a steady rate: the
 * broker leading most partitions is killed with SIGKILL mid-stream and restarted. A {@code
 * read_committed} reader sees exactly one prediction per image, the cumulative matrix equals the
 * one the model gives offline, and the test reports how long the outage stalled the stream. The
 * scenario is {@link FailoverScenario}, which {@link BrokerFailoverContainerTest} runs on Docker.
 */
class BrokerFailoverIntegrationTest {
  private static final int IMAGES = 20_000;
  private static final int WARM_UP = 12_000;
  // Below what one instance sustains warm on three brokers sharing two cores (a few hundred a
  // second), so that latency shows the outage rather than a backlog.
  private static final int RATE = 150;
  private static final Duration DOWN = Duration.ofSeconds(5);

  @RegisterExtension
  static final KafkaClusterExtension kafka =
      KafkaClusterExtension.ofBrokers(3).withQuickTransactionAbort();

  @TempDir Path stateDir;

  @Test
  void killingTheBusiestBrokerMidStreamLosesAndRepeatsNothing() throws Exception {
    FailoverScenario.killTheBusiestBrokerMidStream(
        local(kafka.cluster()), stateDir, new FailoverScenario.Load(IMAGES, WARM_UP, RATE, DOWN));
  }

  private static FailoverScenario.Cluster local(LocalKafkaCluster cluster) {
    return new FailoverScenario.Cluster() {
      @Override
      public String bootstrapServers() {
        return cluster.bootstrapServers();
      }

      @Override
      public int leaderOfMostPartitions(Collection<String> topics) {
        return cluster.leaderOfMostPartitions(topics);
      }

      @Override
      public void kill(int id) {
        cluster.kill(id);
      }

      @Override
      public void restart(int id) {
        cluster.restart(id);
      }
    };
  }
}
