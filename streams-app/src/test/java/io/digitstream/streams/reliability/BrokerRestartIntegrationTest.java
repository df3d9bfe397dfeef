package io.digitstream.streams.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.digitstream.broker.EmbeddedKafkaBroker;
import io.digitstream.record.DigitImage;
import io.digitstream.streams.Fixtures;
import io.digitstream.streams.ScoringService;
import io.digitstream.streams.StreamsSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker goes away mid-stream and comes back on the same ports and data: the producer's sends
 * and the scoring service both resume by themselves, and every image has exactly one prediction as
 * seen by a {@code read_committed} reader.
 */
class BrokerRestartIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(BrokerRestartIntegrationTest.class);
  private static final int IMAGES = 2_000;
  private static final Duration OUTAGE = Duration.ofSeconds(3);

  @TempDir Path stateDir;
  private EmbeddedKafkaBroker broker;

  @AfterEach
  void closeBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void producerAndScoringServiceResumeAfterABrokerRestartAndLoseNothing() throws Exception {
    broker = EmbeddedKafkaBroker.builder().build().start();
    String bootstrap = broker.bootstrapServers();
    String name = ReliabilityClients.uniqueName("restart");
    Map<String, String> config =
        new HashMap<>(ReliabilityClients.settings(bootstrap, name, stateDir));
    config.put(StreamsSettings.TOPICS_PARTITIONS, "2");
    StreamsSettings settings = StreamsSettings.load(null, Map.of(), config);
    String imagesTopic = settings.topics().names().images();

    Queue<Exception> sendFailures = new ConcurrentLinkedQueue<>();
    AtomicInteger acknowledged = new AtomicInteger();
    long started = System.nanoTime();
    try (ScoringService service = new ScoringService(settings);
        KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
      service.start();
      assertThat(service.awaitRunning(Duration.ofSeconds(60))).as("running").isTrue();

      for (int i = 0; i < IMAGES; i++) {
        DigitImage image = Fixtures.image("r-" + i, i);
        producer.send(
            new ProducerRecord<>(imagesTopic, image.id(), Fixtures.json(image)),
            (metadata, e) -> {
              if (e != null) {
                sendFailures.add(e);
              } else {
                acknowledged.incrementAndGet();
              }
            });
        if (i == IMAGES / 2) {
          // Mid-stream: half the images are in flight or scored, the rest not yet sent.
          producer.flush();
          await()
              .atMost(Duration.ofSeconds(60))
              .until(() -> service.metrics().imagesScored() >= IMAGES / 4);
          long scoredBefore = service.metrics().imagesScored();
          broker.stop();
          log.info("Broker stopped after {} images scored; down for {}", scoredBefore, OUTAGE);
          Thread.sleep(OUTAGE.toMillis()); // the outage itself, not a wait for a condition
          broker.start();
          log.info("Broker back");
        }
      }
      producer.flush();

      List<ConsumerRecord<String, byte[]>> predictions =
          ReliabilityClients.readCommitted(
              bootstrap,
              Map.of(),
              settings.topics().names().predictions(),
              IMAGES,
              Duration.ofSeconds(120),
              Duration.ofSeconds(2));
      Map<String, Long> perId =
          predictions.stream()
              .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
      long elapsedMs = (System.nanoTime() - started) / 1_000_000;
      log.info(
          "{} images sent, {} acknowledged, {} send failures; {} predictions for {} ids;"
              + " state {}; {} ms",
          IMAGES,
          acknowledged.get(),
          sendFailures.size(),
          predictions.size(),
          perId.size(),
          service.state(),
          elapsedMs);

      assertThat(sendFailures).as("send failures").isEmpty();
      assertThat(acknowledged).hasValue(IMAGES);
      assertThat(perId).hasSize(IMAGES);
      assertThat(perId.values()).as("predictions per image").containsOnly(1L);
      assertThat(service.failure()).isEmpty();
      assertThat(service.state()).isEqualTo(KafkaStreams.State.RUNNING);
    }
  }

  /** What DigitPublisher relies on: idempotence and a delivery timeout longer than the outage. */
  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Map<String, Object> config =
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true,
            ProducerConfig.LINGER_MS_CONFIG,
            5,
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
            120_000);
    return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }
}
