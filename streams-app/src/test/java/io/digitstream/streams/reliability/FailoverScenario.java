package io.digitstream.streams.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.streams.Fixtures;
import io.digitstream.streams.ScoringService;
import io.digitstream.streams.StreamsSettings;
import io.digitstream.testkit.TestClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker failover scenario, the same on every three-broker cluster that can kill a broker:
 * images and labels at a steady rate, SIGKILL of the broker leading most image partitions a quarter
 * of the way into the steady part, a restart after {@link Load#outage()}. A {@code read_committed}
 * reader sees exactly one prediction per image, the cumulative matrix equals the one the model
 * gives offline, and the log reports how long the outage stalled the stream.
 */
final class FailoverScenario {
  private static final Logger log = LoggerFactory.getLogger(FailoverScenario.class);

  /** A cluster whose brokers the scenario can kill and bring back, by node id. */
  interface Cluster {
    /** Every broker's client listener. */
    String bootstrapServers();

    /** The node that leads the most partitions of {@code topics}. */
    int leaderOfMostPartitions(Collection<String> topics);

    /** SIGKILL of node {@code id}: no controlled shutdown. */
    void kill(int id);

    /** Starts node {@code id} again on its data; returns once it serves as a broker again. */
    void restart(int id);
  }

  /**
   * How much and how fast: {@code images} images (each with its label), the first {@code warmUp} at
   * once to warm the JIT, the rest at {@code rate} per second, and how long the killed broker stays
   * down.
   */
  record Load(int images, int warmUp, int rate, Duration outage) {}

  private FailoverScenario() {}

  static void killTheBusiestBrokerMidStream(Cluster cluster, Path stateDir, Load load)
      throws Exception {
    int images = load.images();
    String name = Fixtures.uniqueName("failover");
    Map<String, String> config =
        new HashMap<>(Fixtures.settings(cluster.bootstrapServers(), name, stateDir));
    config.put(StreamsSettings.TOPICS_PARTITIONS, "6");
    StreamsSettings settings = StreamsSettings.load(null, Map.of(), config);
    TestClients clients = TestClients.of(cluster.bootstrapServers());

    try (ScoringService service = new ScoringService(settings)) {
      service.start();
      assertThat(service.awaitRunning(Duration.ofSeconds(90))).as("running").isTrue();
      int victim = cluster.leaderOfMostPartitions(List.of(name + ".images"));
      int killAt = load.warmUp() + (images - load.warmUp()) / 4;
      long[] back = new long[1];
      SteadyStream stream =
          new SteadyStream(clients, name, images, load.warmUp(), load.rate())
              .at(
                  killAt,
                  () -> {
                    cluster.kill(victim);
                    Thread.sleep(load.outage().toMillis());
                    cluster.restart(victim);
                    back[0] = System.currentTimeMillis();
                  });
      stream.run();
      long kill = stream.firedAt(killAt);
      List<ConsumerRecord<String, byte[]>> records =
          clients.readCommitted(
              name + ".predictions", images, Duration.ofSeconds(300), Duration.ofSeconds(5));
      AppProcess.Figures figures = AppProcess.Figures.of(images, records);
      String version = Fixtures.bundle().version();
      ConfusionMatrix expected = StallFigures.offlineMatrix(images);
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofSeconds(1))
          .ignoreExceptions()
          .until(
              () ->
                  service
                      .accuracy()
                      .cumulative(version)
                      .map(w -> w.matrix().count() >= images)
                      .orElse(false));
      ConfusionMatrix streamed = service.accuracy().cumulative(version).orElseThrow().matrix();

      log.info(
          "RESULT broker failover: {}; node {} (leader of most image partitions) killed at"
              + " image {}, back {} ms later; {}; stream threads replaced {}; streamed matrix"
              + " equals offline: {}",
          figures,
          victim,
          killAt,
          back[0] - kill,
          StallFigures.of(records).around(stream.steadySince(), kill, back[0]),
          service.metrics().streamThreadsReplaced(),
          streamed.equals(expected));

      figures.assertExactlyOnce(streamed.count());
      assertThat(streamed).isEqualTo(expected);
      assertThat(service.failure()).isEmpty();
    }
  }
}
