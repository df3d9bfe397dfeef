package io.digitstream.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.digitstream.testkit.EmbeddedKafkaExtension;
import io.digitstream.testkit.TestClients;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Clients against one real broker shared by the tests of this class. */
class EmbeddedKafkaBrokerIntegrationTest {
  @RegisterExtension static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.create();

  private final EmbeddedKafkaBroker broker = kafka.broker();
  private final TestClients clients = kafka.clients();

  @Test
  void producesAndConsumesThroughARealBroker() {
    broker.createTopics(Map.of("digits", 4));
    Queue<RecordMetadata> acknowledged = new ConcurrentLinkedQueue<>();
    Queue<Exception> failures = new ConcurrentLinkedQueue<>();

    try (KafkaProducer<String, byte[]> producer = clients.producer(Map.of())) {
      for (int i = 0; i < 1_000; i++) {
        producer.send(
            new ProducerRecord<>("digits", "key-" + i, utf8("value-" + i)),
            (metadata, exception) -> {
              if (exception != null) {
                failures.add(exception);
              } else {
                acknowledged.add(metadata);
              }
            });
      }
      producer.flush();
    }
    assertThat(failures).isEmpty();
    assertThat(acknowledged).hasSize(1_000);
    assertThat(acknowledged.stream().map(RecordMetadata::partition).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder(0, 1, 2, 3);

    // A consumer group, so that the group coordinator and __consumer_offsets work on one node.
    Set<String> values = new HashSet<>();
    try (KafkaConsumer<String, byte[]> consumer =
        clients.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "digits-reader"))) {
      consumer.subscribe(List.of("digits"));
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInSameThread()
          .pollInterval(Duration.ZERO)
          .untilAsserted(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(text(r)));
                assertThat(values).hasSize(1_000);
              });
      consumer.commitSync();
    }
    assertThat(values).contains("value-0", "value-999");
  }

  @Test
  void showsCommittedTransactionsToReadCommittedConsumersAndHidesAbortedOnes() {
    broker.createTopics(Map.of("transactions", 1));
    try (KafkaProducer<String, byte[]> producer =
        clients.producer(
            Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + UUID.randomUUID()))) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("transactions", "a", utf8("committed-1")));
      producer.send(new ProducerRecord<>("transactions", "b", utf8("committed-2")));
      producer.commitTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("transactions", "c", utf8("aborted")));
      producer.flush();
      producer.abortTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("transactions", "d", utf8("committed-3")));
      producer.commitTransaction();
    }

    // The kit's readers are read_committed.
    List<String> values =
        clients.readToEnd("transactions").stream()
            .map(EmbeddedKafkaBrokerIntegrationTest::text)
            .toList();
    assertThat(values).containsExactly("committed-1", "committed-2", "committed-3");
  }

  @Test
  void createsTopicsOnlyWhenMissingAndRejectsAnotherPartitionCount() {
    broker.createTopics(Map.of("twice", 2));
    broker.createTopics(Map.of("twice", 2));

    assertThatThrownBy(() -> broker.createTopics(Map.of("twice", 3)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("twice already exists with 2 partitions");
  }

  @Test
  void refusesASecondBrokerOnAPortInUseAndLeavesNoThreadsBehind() {
    Set<Thread> threadsBefore = nonDaemonThreads();
    EmbeddedKafkaBroker second = EmbeddedKafkaBroker.builder().port(broker.port()).build();
    Path secondData = second.dataDirectory();

    assertThatThrownBy(second::start)
        .isInstanceOf(BrokerStartException.class)
        .hasMessageContaining("port " + broker.port() + " (client listener)")
        .hasMessageContaining("already in use");

    second.close();
    assertThat(newThreadNames(threadsBefore)).isEmpty();
    assertThat(secondData).doesNotExist();
    assertThat(broker.isRunning()).isTrue();
  }

  @Test
  void brokerCommandExitsWithAClearMessageWhenItsPortIsInUse(@TempDir Path dataDirectory) {
    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new BrokerCommand()).setErr(new PrintWriter(err));

    int exitCode =
        command.execute(
            "--port",
            String.valueOf(broker.port()),
            "--controller-port",
            "0",
            "--data-dir",
            dataDirectory.toString());

    assertThat(exitCode).isEqualTo(BrokerCommand.START_FAILED);
    assertThat(err.toString())
        .contains("port " + broker.port() + " (client listener) on 127.0.0.1 is already in use");
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(ConsumerRecord<String, byte[]> record) {
    return new String(record.value(), StandardCharsets.UTF_8);
  }

  private static Set<Thread> nonDaemonThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !t.isDaemon())
        .collect(Collectors.toSet());
  }

  private static List<String> newThreadNames(Set<Thread> before) {
    return nonDaemonThreads().stream()
        .filter(t -> !before.contains(t))
        .map(Thread::getName)
        .sorted()
        .toList();
  }
}
