package io.digitstream.broker;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * Runs the embedded Kafka broker on its own until Ctrl-C, with its data in a directory that
 * survives restarts. Clients, the producer and the Streams app connect to {@code 127.0.0.1:9092} by
 * default.
 */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = "Runs a single-node Kafka broker (KRaft, broker and controller) until Ctrl-C.")
public final class BrokerCommand implements Callable<Integer> {

  /** Exit code when the broker cannot start, for example because its port is in use. */
  static final int START_FAILED = 1;

  @Spec private CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "9092",
      description = "Client listener port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--controller-port",
      defaultValue = "9093",
      description = "KRaft controller port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int controllerPort;

  @Option(
      names = "--data-dir",
      defaultValue = "data/broker",
      description = "Data directory, formatted on first use and kept (default: ${DEFAULT-VALUE}).")
  Path dataDirectory;

  @Option(
      names = "--create-topics",
      split = ",",
      paramLabel = "NAME:PARTITIONS",
      converter = TopicSpecConverter.class,
      description = "Topics to create if missing, e.g. digits:4,predictions:4.")
  List<TopicSpec> topicsToCreate = new ArrayList<>();

  @Option(
      names = "--auto-create-topics",
      description = "Let clients create unknown topics (off by default).")
  boolean autoCreateTopics;

  @Option(
      names = "--broker-property",
      paramLabel = "KEY=VALUE",
      description = "A broker setting overriding the defaults, e.g. log.retention.hours=1.")
  Map<String, String> brokerProperties = new LinkedHashMap<>();

  /** Runs the broker command and exits with its exit code. */
  public static void main(String[] args) {
    QuietKafkaLogging.applyUnlessConfigured();
    System.exit(new CommandLine(new BrokerCommand()).execute(args));
  }

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder()
            .port(port)
            .controllerPort(controllerPort)
            .dataDirectory(dataDirectory)
            .autoCreateTopics(autoCreateTopics)
            .brokerProperties(brokerProperties)
            .build();
    try {
      broker.start();
      Map<String, Integer> partitionsByTopic = new LinkedHashMap<>();
      topicsToCreate.forEach(topic -> partitionsByTopic.put(topic.name(), topic.partitions()));
      broker.createTopics(partitionsByTopic);
    } catch (RuntimeException e) {
      broker.close();
      err.println(e.getMessage());
      return START_FAILED;
    }

    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  broker.close();
                  out.println("Kafka broker stopped");
                  out.flush();
                  closed.countDown();
                },
                "broker-shutdown"));
    out.printf(
        "Kafka broker ready at %s (data in %s)%n",
        broker.bootstrapServers(), broker.dataDirectory());
    out.println("Press Ctrl-C to stop.");
    out.flush();
    closed.await();
    return 0;
  }

  /** A topic to create, written on the command line as {@code NAME:PARTITIONS}. */
  record TopicSpec(String name, int partitions) {

    TopicSpec {
      if (name.isBlank()) {
        throw new IllegalArgumentException("topic name is empty");
      }
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
      }
    }
  }

  static final class TopicSpecConverter implements ITypeConverter<TopicSpec> {

    @Override
    public TopicSpec convert(String value) {
      int colon = value.lastIndexOf(':');
      if (colon < 0) {
        throw new TypeConversionException(
            "expected NAME:PARTITIONS such as digits:4, got '" + value + "'");
      }
      try {
        return new TopicSpec(
            value.substring(0, colon).strip(),
            Integer.parseInt(value.substring(colon + 1).strip()));
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(
            "expected NAME:PARTITIONS such as digits:4, got '"
                + value
                + "' ("
                + e.getMessage()
                + ")");
      }
    }
  }
}
