package io.digitstream.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Plain Kafka clients for tests, bound to one cluster: a careful producer (idempotent, {@code
 * acks=all}, every send checked) and {@code read_committed} readers, with string keys and byte
 * values as the digitstream topics carry them.
 */
public final class TestClients {
  private static final Duration READ_TO_END_TIMEOUT = Duration.ofSeconds(30);

  private final String bootstrapServers;
  private final Map<String, Object> security;

  private TestClients(String bootstrapServers, Map<String, Object> security) {
    this.bootstrapServers = bootstrapServers;
    this.security = Map.copyOf(security);
  }

  /** Clients of the cluster at {@code bootstrapServers}, on a PLAINTEXT listener. */
  public static TestClients of(String bootstrapServers) {
    return of(bootstrapServers, Map.of());
  }

  /** Clients that add {@code security} (SASL, TLS) to every client's configuration. */
  public static TestClients of(String bootstrapServers, Map<String, Object> security) {
    return new TestClients(bootstrapServers, security);
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** An idempotent producer with {@code acks=all}; {@code overrides} win. */
  public KafkaProducer<String, byte[]> producer(Map<String, Object> overrides) {
    Map<String, Object> config = base();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // Room for a record near the broker's maximum message size.
    config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_048_000);
    config.putAll(overrides);
    return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  /**
   * A {@code read_committed} consumer starting at the earliest offset, without auto-commit; {@code
   * overrides} win.
   */
  public KafkaConsumer<String, byte[]> consumer(Map<String, Object> overrides) {
    Map<String, Object> config = base();
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * 1024 * 1024);
    config.putAll(overrides);
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /** An admin client of the cluster; close it. */
  public Admin admin() {
    return Admin.create(base());
  }

  /** Sends every record and fails if the broker refused any of them. */
  public void send(List<ProducerRecord<String, byte[]>> records) {
    Queue<Exception> failures = new ConcurrentLinkedQueue<>();
    try (KafkaProducer<String, byte[]> producer = producer(Map.of())) {
      for (ProducerRecord<String, byte[]> record : records) {
        producer.send(
            record,
            (metadata, e) -> {
              if (e != null) {
                failures.add(e);
              }
            });
      }
      producer.flush();
    }
    assertThat(failures).as("send failures").isEmpty();
  }

  /**
   * Every record of {@code topic} from its beginning up to its end offsets at the time of the call
   * (its last stable offsets, as a {@code read_committed} reader sees them), without a consumer
   * group; fails after 30 s.
   */
  public List<ConsumerRecord<String, byte[]>> readToEnd(String topic) {
    try (KafkaConsumer<String, byte[]> consumer = consumer(Map.of())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
      await("reading " + topic + " up to " + end)
          .atMost(READ_TO_END_TIMEOUT)
          .pollInSameThread()
          .pollInterval(Duration.ZERO)
          .dontCatchUncaughtExceptions()
          .until(
              () -> {
                if (!reached(consumer, end)) {
                  consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                }
                return reached(consumer, end);
              });
      return records;
    }
  }

  /**
   * Reads {@code topic} from the start with {@code read_committed} until {@code expected} records
   * arrived and then for {@code quiet} longer, so that duplicates would show, or until {@code
   * timeout}. Returns what arrived either way: the caller's assertions say what was missing.
   */
  public List<ConsumerRecord<String, byte[]>> readCommitted(
      String topic, int expected, Duration timeout, Duration quiet) {
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaConsumer<String, byte[]> consumer =
        consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID()))) {
      consumer.subscribe(List.of(topic));
      try {
        await()
            .atMost(timeout)
            .pollInSameThread()
            .pollInterval(Duration.ZERO)
            .dontCatchUncaughtExceptions()
            .until(
                () -> {
                  consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                  return records.size() >= expected;
                });
      } catch (ConditionTimeoutException e) {
        return records;
      }
      // A read for a fixed time, not a wait for a condition.
      long quietUntil = Math.min(deadline, System.nanoTime() + quiet.toNanos());
      while (System.nanoTime() < quietUntil) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  /** How many records {@code read_committed} readers see on {@code topic} now (a 2 s read). */
  public int countCommitted(String topic) {
    return readCommitted(topic, Integer.MAX_VALUE, Duration.ofSeconds(2), Duration.ZERO).size();
  }

  /**
   * Waits until {@code topic}, which the application running as {@code creator} creates, exists and
   * the leader of every partition answers ListOffsets: sending earlier can lose the first batch
   * (KAFKA-15591), and the application may still be creating its other topics. Fails at once, with
   * the application's log, if it dies meanwhile.
   */
  public void awaitServing(String topic, Duration atMost, Process creator, Path creatorLog) {
    try (Admin admin = admin()) {
      await("topic " + topic + " serving")
          .atMost(atMost)
          .pollInterval(Duration.ofMillis(100))
          .dontCatchUncaughtExceptions()
          .until(
              () -> {
                assertThat(creator.isAlive())
                    .as("application running; log:\n%s", logOf(creatorLog))
                    .isTrue();
                return serving(admin, topic);
              });
    }
  }

  private static boolean serving(Admin admin, String topic) throws Exception {
    if (!admin.listTopics().names().get().contains(topic)) {
      return false;
    }
    TopicDescription description =
        admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (TopicPartitionInfo p : description.partitions()) {
      if (p.leader() == null || p.leader().isEmpty()) {
        return false;
      }
      latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
    }
    try {
      admin.listOffsets(latest).all().get();
      return true;
    } catch (ExecutionException e) {
      return false;
    }
  }

  private static String logOf(Path log) throws IOException {
    return Files.exists(log) ? Files.readString(log) : "(no output)";
  }

  private static boolean reached(
      KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> end) {
    return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
  }

  private Map<String, Object> base() {
    Map<String, Object> config = new HashMap<>(security);
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return config;
  }
}
