package io.digitstream.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.testkit.TestClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broker life cycle: restarts on kept data, reopening a data directory, closing. */
class EmbeddedKafkaBrokerRestartIntegrationTest {

  private static final List<String> VALUES =
      IntStream.range(0, 100).mapToObj(i -> "value-" + i).toList();

  @Test
  void keepsTopicsAndRecordsAcrossRestartsOnTheSameDataDirectory(@TempDir Path dataDirectory)
      throws Exception {
    String clusterId;
    int port;
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder().dataDirectory(dataDirectory).build().start()) {
      broker.createTopics(Map.of("kept", 2));
      try (KafkaProducer<String, byte[]> producer = clients(broker).producer(Map.of())) {
        for (String value : VALUES) {
          producer
              .send(new ProducerRecord<>("kept", value, value.getBytes(StandardCharsets.UTF_8)))
              .get();
        }
      }
      clusterId = broker.clusterId().orElseThrow();
      port = broker.port();

      broker.restart();

      assertThat(broker.port()).isEqualTo(port);
      assertThat(readAll(broker)).containsExactlyInAnyOrderElementsOf(VALUES);
    }
    assertThat(dataDirectory.resolve("logs")).isDirectory();

    // A new broker on the kept directory reuses its cluster instead of formatting a new one.
    try (EmbeddedKafkaBroker reopened =
        EmbeddedKafkaBroker.builder().dataDirectory(dataDirectory).build().start()) {
      assertThat(reopened.clusterId()).contains(clusterId);
      assertThat(readAll(reopened)).containsExactlyInAnyOrderElementsOf(VALUES);
    }
  }

  @Test
  void refusesASecondBrokerOnADataDirectoryInUse(@TempDir Path dataDirectory) {
    try (EmbeddedKafkaBroker first =
            EmbeddedKafkaBroker.builder().dataDirectory(dataDirectory).build().start();
        EmbeddedKafkaBroker second =
            EmbeddedKafkaBroker.builder().dataDirectory(dataDirectory).build()) {

      assertThatThrownBy(second::start)
          .isInstanceOf(BrokerStartException.class)
          .hasMessageContaining("is in use by another embedded Kafka broker in this JVM");

      first.createTopics(Map.of("still-served", 1));
      assertThat(first.isRunning()).isTrue();
    }
  }

  @Test
  void closeIsIdempotentAndDeletesTheTemporaryDataDirectory() {
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start();
    Path dataDirectory = broker.dataDirectory();
    assertThat(dataDirectory).isDirectory();

    broker.close();
    broker.close();
    broker.stop();

    assertThat(broker.isRunning()).isFalse();
    assertThat(dataDirectory).doesNotExist();
    assertThatThrownBy(broker::start).isInstanceOf(IllegalStateException.class);
  }

  private static List<String> readAll(EmbeddedKafkaBroker broker) {
    return clients(broker).readToEnd("kept").stream()
        .map(r -> new String(r.value(), StandardCharsets.UTF_8))
        .toList();
  }

  private static TestClients clients(EmbeddedKafkaBroker broker) {
    return TestClients.of(broker.bootstrapServers());
  }
}
