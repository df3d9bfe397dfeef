package io.digitstream.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.digitstream.broker.EmbeddedKafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code produce} keeps publishing through a broker restart: the sends in flight while the broker
 * is down are retried by the idempotent producer, the run ends with exit code 0, and every image
 * and label is on its topic exactly once.
 */
class BrokerRestartProducerIntegrationTest {
  private static final Logger log =
      LoggerFactory.getLogger(BrokerRestartProducerIntegrationTest.class);
  private static final int IMAGES = 1_000;
  private static final Duration OUTAGE = Duration.ofSeconds(3);

  @TempDir Path tmp;
  private EmbeddedKafkaBroker broker;

  @AfterEach
  void closeBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void publishesEveryImageAndLabelExactlyOnceThroughABrokerRestart() throws Exception {
    broker = EmbeddedKafkaBroker.builder().build().start();
    TestImages.writeMnistTest(tmp.resolve("mnist"), IMAGES, 4);
    long started = System.nanoTime();
    CompletableFuture<CliRun> run =
        CompletableFuture.supplyAsync(
            () ->
                CliRun.of(
                    "--data",
                    tmp.resolve("mnist").toString(),
                    "--rate",
                    "250",
                    "--json",
                    "--progress",
                    "none",
                    "--bootstrap-servers",
                    broker.bootstrapServers(),
                    "--topic-images",
                    "restart.images",
                    "--topic-labels",
                    "restart.labels"));

    // Mid-stream: a good part of the images published, the rest still to come.
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(() -> endOffsets("restart.images") >= IMAGES / 4);
    broker.stop();
    Thread.sleep(OUTAGE.toMillis()); // the outage itself, not a wait for a condition
    broker.start();

    CliRun result = run.get(120, TimeUnit.SECONDS);
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(result.exitCode()).as(result.all()).isZero();
    JsonNode summary = result.json();
    assertThat(summary.get("imagesSent").asLong()).isEqualTo(IMAGES);
    assertThat(summary.get("labelsSent").asLong()).isEqualTo(IMAGES);
    assertThat(summary.get("failedCount").asLong()).isZero();

    List<ConsumerRecord<byte[], byte[]>> images = readAll("restart.images");
    List<ConsumerRecord<byte[], byte[]>> labels = readAll("restart.labels");
    log.info(
        "{} images published through a {} broker outage: {} image and {} label records on the"
            + " topics, {} ms",
        IMAGES,
        OUTAGE,
        images.size(),
        labels.size(),
        elapsedMs);
    assertThat(images).hasSize(IMAGES);
    assertThat(labels).hasSize(IMAGES);
    assertThat(distinctKeys(images)).isEqualTo(IMAGES);
    assertThat(distinctKeys(labels)).isEqualTo(IMAGES);
  }

  private static long distinctKeys(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream()
        .map(r -> new String(r.key(), StandardCharsets.UTF_8))
        .collect(Collectors.toSet())
        .size();
  }

  private long endOffsets(String topic) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, Duration.ofSeconds(2)).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      return consumer.endOffsets(partitions, Duration.ofSeconds(2)).values().stream()
          .mapToLong(Long::longValue)
          .sum();
    }
  }

  private List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        assertThat(System.nanoTime()).as("reading " + topic).isLessThan(deadline);
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      return records;
    }
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    return new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            "false"),
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
  }
}
