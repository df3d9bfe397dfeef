package io.digitstream.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.record.DigitImage;
import java.time.Duration;
import java.util.ArrayList;
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
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain Kafka clients for the integration tests: a careful producer, a read_committed reader. */
final class KafkaTestClients {
  private KafkaTestClients() {}

  /** Sends every record and fails if the broker refused any of them. */
  static void send(String bootstrap, List<ProducerRecord<String, byte[]>> records) {
    Queue<Exception> failures = new ConcurrentLinkedQueue<>();
    Map<String, Object> config =
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true,
            ProducerConfig.LINGER_MS_CONFIG,
            5);
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

  /** {@code count} images of the test sample as JSON records keyed by their ids. */
  static List<ProducerRecord<String, byte[]>> images(String topic, String idPrefix, int count) {
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      DigitImage image = Fixtures.image(idPrefix + i, i);
      records.add(new ProducerRecord<>(topic, image.id(), Fixtures.json(image)));
    }
    return records;
  }

  /**
   * Reads {@code topic} from the start with {@code read_committed} until {@code expected} records
   * arrived and then for {@code quiet} longer, so that duplicates would show, or until {@code
   * timeout}.
   */
  static List<ConsumerRecord<String, byte[]>> readCommitted(
      String bootstrap, String topic, int expected, Duration timeout, Duration quiet) {
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ConsumerConfig.GROUP_ID_CONFIG,
            "reader-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            IsolationLevel.READ_COMMITTED.toString().toLowerCase(),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false);
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

  /** Counts what {@code read_committed} readers see on {@code topic} right now. */
  static int countCommitted(String bootstrap, String topic) {
    return readCommitted(bootstrap, topic, Integer.MAX_VALUE, Duration.ofSeconds(2), Duration.ZERO)
        .size();
  }
}
