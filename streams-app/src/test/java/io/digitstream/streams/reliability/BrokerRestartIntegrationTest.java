package io.digitstream.streams.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.digitstream.broker.EmbeddedKafkaBroker;
import io.digitstream.record.DigitImage;
import io.digitstream.streams.Fixtures;
import io.digitstream.streams.ScoringService;
import io.digitstream.streams.StreamsSettings;
import io.digitstream.testkit.EmbeddedKafkaExtension;
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
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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

  @RegisterExtension static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.create();

  @TempDir Path stateDir;

  @Test
  void producerAndScoringServiceResumeAfterABrokerRestartAndLoseNothing() throws Exception {
    EmbeddedKafkaBroker broker = kafka.broker();
    String bootstrap = broker.bootstrapServers();
    String name = Fixtures.uniqueName("restart");
    Map<String, String> config = new HashMap<>(Fixtures.settings(bootstrap, name, stateDir));
    config.put(StreamsSettings.TOPICS_PARTITIONS, "2");
    StreamsSettings settings = StreamsSettings.load(null, Map.of(), config);
    String imagesTopic = settings.topics().names().images();

    Queue<Exception> sendFailures = new ConcurrentLinkedQueue<>();
    AtomicInteger acknowledged = new AtomicInteger();
    long started = System.nanoTime();
    try (ScoringService service = new ScoringService(settings);
        // Idempotent, and its delivery timeout (the default 2 min) outlasts the outage: what
        // DigitPublisher relies on.
        KafkaProducer<String, byte[]> producer = kafka.clients().producer(Map.of())) {
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
          kafka
              .clients()
              .readCommitted(
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
}
