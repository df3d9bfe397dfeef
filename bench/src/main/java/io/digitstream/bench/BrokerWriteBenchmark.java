package io.digitstream.bench;

import io.digitstream.broker.LocalKafkaCluster;
import io.digitstream.topic.Replication;
import io.digitstream.topic.TopicPlan;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * How many bytes a second the brokers of a local cluster take per core of their own CPU: an
 * idempotent producer ({@code acks=all}) writes records of a given size as fast as it can to a
 * topic with the replication the cluster's size gives, and the brokers' CPU time is taken over the
 * measured window. No transactions: their cost is per commit, see docs/operations.md. For sizing
 * brokers from the bytes per image.
 */
@Command(
    name = "broker-write-benchmark",
    mixinStandardHelpOptions = true,
    description = "Bytes per second and per broker core on a local KRaft cluster.")
public final class BrokerWriteBenchmark implements Callable<Integer> {
  @Option(
      names = "--brokers",
      defaultValue = "3",
      description = "Nodes (default: ${DEFAULT-VALUE}).")
  int brokers;

  @Option(
      names = "--record-bytes",
      defaultValue = "2170",
      description = "Bytes per record (default: ${DEFAULT-VALUE}, what one image writes).")
  int recordBytes;

  @Option(
      names = "--partitions",
      defaultValue = "6",
      description = "Partitions (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--warmup-seconds",
      defaultValue = "30",
      description = "Writing before the window (default: ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(
      names = "--seconds",
      defaultValue = "30",
      description = "The measured window (default: ${DEFAULT-VALUE}).")
  int seconds;

  public static void main(String[] args) {
    System.exit(new CommandLine(new BrokerWriteBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    try (LocalKafkaCluster cluster = LocalKafkaCluster.builder().brokers(brokers).build().start()) {
      Replication replication =
          Replication.choose(
              new TopicPlan(true, Optional.of(partitions), Optional.empty()), brokers);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
        admin
            .createTopics(
                List.of(
                    new NewTopic("write-bench", partitions, replication.factor())
                        .configs(
                            Map.of(
                                "min.insync.replicas", String.valueOf(replication.minInsync())))))
            .all()
            .get();
      }
      AtomicLong acked = new AtomicLong();
      try (KafkaProducer<byte[], byte[]> producer = producer(cluster.bootstrapServers())) {
        byte[] value = new byte[recordBytes];
        long warmEnd = System.nanoTime() + warmupSeconds * 1_000_000_000L;
        long end = warmEnd + seconds * 1_000_000_000L;
        long ackedAtStart = -1;
        double cpuAtStart = 0;
        long startNanos = 0;
        long i = 0;
        while (System.nanoTime() < end) {
          if (ackedAtStart < 0 && System.nanoTime() >= warmEnd) {
            ackedAtStart = acked.get();
            cpuAtStart = cpuSeconds(cluster);
            startNanos = System.nanoTime();
          }
          value[0] = (byte) i++;
          producer.send(
              new ProducerRecord<>("write-bench", value.clone()),
              (metadata, e) -> {
                if (e == null) {
                  acked.addAndGet(recordBytes);
                }
              });
        }
        double window = (System.nanoTime() - startNanos) / 1e9;
        double cores = (cpuSeconds(cluster) - cpuAtStart) / window;
        double mbPerSecond = (acked.get() - ackedAtStart) / window / 1e6;
        System.out.printf(
            "Brokers: %d, replication factor %d, min.insync.replicas %d, %d partitions, %d-byte"
                + " records, acks=all, idempotent%n",
            brokers, replication.factor(), replication.minInsync(), partitions, recordBytes);
        System.out.printf(
            "  acknowledged %.1f MB/s over %.1f s; the brokers used %.2f cores: %.1f MB/s per"
                + " broker core%n",
            mbPerSecond, window, cores, mbPerSecond / cores);
      }
    }
    return 0;
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true,
            ProducerConfig.LINGER_MS_CONFIG,
            5,
            ProducerConfig.BATCH_SIZE_CONFIG,
            256 * 1024),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  private static double cpuSeconds(LocalKafkaCluster cluster) {
    return cluster.cpuTime().toNanos() / 1e9;
  }
}
