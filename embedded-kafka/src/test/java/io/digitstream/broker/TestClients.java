package io.digitstream.broker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain Kafka clients for tests against an {@link EmbeddedKafkaBroker}. */
final class TestClients {

  private TestClients() {}

  static KafkaProducer<String, String> idempotentProducer(EmbeddedKafkaBroker broker) {
    return new KafkaProducer<>(
        producerConfig(broker), new StringSerializer(), new StringSerializer());
  }

  static KafkaProducer<String, String> transactionalProducer(
      EmbeddedKafkaBroker broker, String transactionalId) {
    Properties config = producerConfig(broker);
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
  }

  static KafkaConsumer<String, String> consumer(
      EmbeddedKafkaBroker broker, Map<String, Object> overrides) {
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.putAll(overrides);
    return new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
  }

  /**
   * Reads a topic from its beginning up to its end offsets at the time of the call (for a {@code
   * read_committed} consumer: up to the last stable offset), without a consumer group.
   */
  static List<ConsumerRecord<String, String>> readToEnd(
      KafkaConsumer<String, String> consumer, String topic, Duration timeout) {
    List<PartitionInfo> partitions = consumer.partitionsFor(topic);
    Set<TopicPartition> assignment =
        partitions.stream()
            .map(p -> new TopicPartition(topic, p.partition()))
            .collect(Collectors.toSet());
    consumer.assign(assignment);
    consumer.seekToBeginning(assignment);
    Map<TopicPartition, Long> endOffsets = consumer.endOffsets(assignment);
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!reached(consumer, endOffsets)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "Read " + records.size() + " records of " + topic + " but not up to " + endOffsets);
      }
      consumer.poll(Duration.ofMillis(100)).forEach(records::add);
    }
    return records;
  }

  private static boolean reached(
      KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> endOffsets) {
    return endOffsets.entrySet().stream()
        .allMatch(end -> consumer.position(end.getKey()) >= end.getValue());
  }

  private static Properties producerConfig(EmbeddedKafkaBroker broker) {
    Properties config = new Properties();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // Fail a test within seconds instead of the two-minute default.
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
    return config;
  }
}
