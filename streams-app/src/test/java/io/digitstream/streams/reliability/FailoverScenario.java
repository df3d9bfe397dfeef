package io.digitstream.streams.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.record.Codec;
import io.digitstream.record.DigitImage;
import io.digitstream.record.Prediction;
import io.digitstream.streams.Fixtures;
import io.digitstream.streams.ScoringService;
import io.digitstream.streams.StreamsSettings;
import io.digitstream.testkit.TestClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker failover scenario, the same on every three-broker cluster that can kill a broker:
 * images and labels at a steady rate, SIGKILL of the broker leading most image partitions a quarter
 * of the way in, a restart after {@link Load#outage()}. A {@code read_committed} reader sees
 * exactly one prediction per image, the cumulative matrix equals the one the model gives offline,
 * and the log reports how long the outage stalled the stream.
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
   * How much and how fast: {@code images} images (each with its label) at {@code rate} per second,
   * and how long the killed broker stays down.
   */
  record Load(int images, int rate, Duration outage) {}

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
      long killedAt = -1;
      AtomicLong restartedAt = new AtomicLong(-1);
      Thread restarter =
          new Thread(
              () -> {
                try {
                  Thread.sleep(load.outage().toMillis());
                  cluster.restart(victim);
                  restartedAt.set(System.currentTimeMillis());
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "restart-broker");
      try (KafkaProducer<String, byte[]> producer =
          clients.producer(Map.of("delivery.timeout.ms", 120_000, "linger.ms", 5))) {
        List<Future<?>> acks = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < images; i++) {
          // A steady rate, so that latency measures the outage and not a backlog.
          long due = start + TimeUnit.SECONDS.toNanos(1) * i / load.rate();
          long wait = due - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
          if (i == images / 4) {
            cluster.kill(victim);
            killedAt = System.currentTimeMillis();
            // Restarted off the sending thread: the images keep coming at their rate meanwhile.
            restarter.start();
          }
          DigitImage image = Fixtures.image("img-" + i, i);
          acks.add(
              producer.send(
                  new ProducerRecord<>(name + ".images", image.id(), Fixtures.json(image))));
          int digit = Fixtures.digits().label(i % Fixtures.digits().size());
          acks.add(
              producer.send(
                  new ProducerRecord<>(
                      name + ".labels",
                      image.id(),
                      ("{\"id\":\"" + image.id() + "\",\"label\":" + digit + "}").getBytes())));
        }
        for (Future<?> ack : acks) {
          ack.get(120, TimeUnit.SECONDS);
        }
        restarter.join(TimeUnit.SECONDS.toMillis(120));
      }
      List<ConsumerRecord<String, byte[]>> records =
          clients.readCommitted(
              name + ".predictions", images, Duration.ofSeconds(300), Duration.ofSeconds(5));
      AppProcess.Figures figures = AppProcess.Figures.of(images, records);
      List<Prediction> predictions = new ArrayList<>();
      for (ConsumerRecord<String, byte[]> r : records) {
        predictions.add(Codec.predictions().decode(r.value()));
      }
      String version = Fixtures.bundle().version();
      ConfusionMatrix expected = offlineMatrix(images);
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

      long kill = killedAt;
      long back = restartedAt.get();
      log.info(
          "RESULT broker failover: {}; node {} (leader of most image partitions) killed at"
              + " image {}, restarted {} ms later; longest gap between predictions {} ms;"
              + " latency p99 before {} ms, during the outage and 10 s after {} ms, after {} ms;"
              + " p99.9 overall {} ms; stream threads replaced {}; streamed matrix equals"
              + " offline: {}",
          figures,
          victim,
          images / 4,
          back - kill,
          longestGap(predictions),
          p(predictions, 0.99, Long.MIN_VALUE, kill),
          p(predictions, 0.99, kill, back + 10_000),
          p(predictions, 0.99, back + 10_000, Long.MAX_VALUE),
          p(predictions, 0.999, Long.MIN_VALUE, Long.MAX_VALUE),
          service.metrics().streamThreadsReplaced(),
          streamed.equals(expected));

      figures.assertExactlyOnce(streamed.count());
      assertThat(streamed).isEqualTo(expected);
      assertThat(service.failure()).isEmpty();
    }
  }

  /** What {@code evaluate} gives on the same images: the model run offline, one image at a time. */
  private static ConfusionMatrix offlineMatrix(int images) {
    int distinct = Fixtures.digits().size();
    int[] predicted = new int[distinct];
    for (int j = 0; j < distinct; j++) {
      predicted[j] = Fixtures.reference().classify(Fixtures.image("x", j).pixels()).digit();
    }
    long[][] counts = new long[10][10];
    for (int i = 0; i < images; i++) {
      int j = i % distinct;
      counts[Fixtures.digits().label(j)][predicted[j]]++;
    }
    return ConfusionMatrix.of(counts);
  }

  private static long longestGap(List<Prediction> predictions) {
    long[] at = predictions.stream().mapToLong(Prediction::scoredAt).sorted().toArray();
    long gap = 0;
    for (int i = 1; i < at.length; i++) {
      gap = Math.max(gap, at[i] - at[i - 1]);
    }
    return gap;
  }

  /** The {@code q} quantile of latency for images stamped in {@code [from, to)}; -1 if none. */
  private static long p(List<Prediction> predictions, double q, long from, long to) {
    long[] latency =
        predictions.stream()
            .filter(x -> x.imageTimestamp() >= from && x.imageTimestamp() < to)
            .mapToLong(x -> x.scoredAt() - x.imageTimestamp())
            .sorted()
            .toArray();
    if (latency.length == 0) {
      return -1;
    }
    return latency[Math.min(latency.length - 1, (int) Math.ceil(q * latency.length) - 1)];
  }
}
