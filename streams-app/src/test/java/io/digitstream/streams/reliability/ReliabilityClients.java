package io.digitstream.streams.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.streams.Fixtures;
import io.digitstream.streams.StreamsSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Plain Kafka clients and settings for the reliability tests (the same patterns as the
 * package-private helpers of {@code io.digitstream.streams}, plus client properties for secured
 * clusters).
 */
final class ReliabilityClients {
  private ReliabilityClients() {}

  /** Streams settings for one run with topic names of its own and a REST server on a free port. */
  static Map<String, String> settings(String bootstrap, String name, Path stateDir) {
    Map<String, String> s = new HashMap<>();
    s.put("bootstrap.servers", bootstrap);
    s.put("application.id", name);
    s.put("state.dir", stateDir.toString());
    s.put(StreamsSettings.MODEL, Fixtures.modelDirectory().toString());
    for (String role : List.of("images", "labels", "predictions", "dlq", "accuracy")) {
      s.put("digitstream.topic." + role, name + "." + role);
    }
    s.put("digitstream.http.port", "0");
    return s;
  }

  static String uniqueName(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Sends every record and fails if the broker refused any of them. */
  static void send(
      String bootstrap,
      Map<String, Object> security,
      List<ProducerRecord<String, byte[]>> records) {
    Queue<Exception> failures = new ConcurrentLinkedQueue<>();
    Map<String, Object> config = new HashMap<>(security);
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // Room for the record near the broker's maximum message size.
    config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_048_000);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
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
   * Reads {@code topic} from the start with {@code read_committed} until {@code expected} records
   * arrived and then for {@code quiet} longer, so that duplicates would show, or until {@code
   * timeout}.
   */
  static List<ConsumerRecord<String, byte[]>> readCommitted(
      String bootstrap,
      Map<String, Object> security,
      String topic,
      int expected,
      Duration timeout,
      Duration quiet) {
    Map<String, Object> config = new HashMap<>(security);
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * 1024 * 1024);
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + timeout.toNanos();
      long quietUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, quietUntil)) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        if (records.size() >= expected && quietUntil == Long.MAX_VALUE) {
          quietUntil = System.nanoTime() + quiet.toNanos();
        }
      }
    }
    return records;
  }
}
