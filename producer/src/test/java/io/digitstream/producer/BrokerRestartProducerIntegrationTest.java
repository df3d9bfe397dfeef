package io.digitstream.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.digitstream.broker.EmbeddedKafkaBroker;
import io.digitstream.testkit.CliRun;
import io.digitstream.testkit.EmbeddedKafkaExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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

  @RegisterExtension static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.create();

  @TempDir Path tmp;

  @Test
  void publishesEveryImageAndLabelExactlyOnceThroughABrokerRestart() throws Exception {
    EmbeddedKafkaBroker broker = kafka.broker();
    TestImages.writeMnistTest(tmp.resolve("mnist"), IMAGES, 4);
    long started = System.nanoTime();
    CompletableFuture<CliRun> run =
        CompletableFuture.supplyAsync(
            () ->
                Produce.run(
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

    List<ConsumerRecord<String, byte[]>> images = kafka.clients().readToEnd("restart.images");
    List<ConsumerRecord<String, byte[]>> labels = kafka.clients().readToEnd("restart.labels");
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

  private static long distinctKeys(List<ConsumerRecord<String, byte[]>> records) {
    return records.stream().map(ConsumerRecord::key).collect(Collectors.toSet()).size();
  }

  private static long endOffsets(String topic) {
    try (KafkaConsumer<String, byte[]> consumer = kafka.clients().consumer(Map.of())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, Duration.ofSeconds(2)).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      return consumer.endOffsets(partitions, Duration.ofSeconds(2)).values().stream()
          .mapToLong(Long::longValue)
          .sum();
    }
  }
}
