package io.digitstream.broker;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs a {@link LocalKafkaCluster} until Ctrl-C: N KRaft nodes on loopback, each in a JVM of its
 * own, with their data in a directory that survives restarts.
 */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a local Kafka cluster (KRaft, every node broker and controller, one JVM per node)"
          + " until Ctrl-C.",
      "Node n listens on --kafka-port + 2(n-1) and its controller one above."
    })
public final class ClusterCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = "--brokers",
      defaultValue = "3",
      description = "Number of nodes, 1-9 (default: ${DEFAULT-VALUE}).")
  int brokers;

  @Option(
      names = "--kafka-port",
      defaultValue = "9092",
      description = "Client port of node 1; 0 picks free ports (default: ${DEFAULT-VALUE}).")
  int firstPort;

  @Option(
      names = "--data-dir",
      defaultValue = "data/cluster",
      description =
          "Data directory of all nodes, formatted on first use and kept"
              + " (default: ${DEFAULT-VALUE}).")
  Path dataDirectory;

  @Option(
      names = "--broker-property",
      paramLabel = "KEY=VALUE",
      description = "A broker setting for every node, overriding the defaults.")
  Map<String, String> brokerProperties = new LinkedHashMap<>();

  /** Runs the cluster command and exits with its exit code. */
  public static void main(String[] args) {
    QuietKafkaLogging.applyUnlessConfigured();
    System.exit(new CommandLine(new ClusterCommand()).execute(args));
  }

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    LocalKafkaCluster cluster;
    try {
      cluster =
          LocalKafkaCluster.builder()
              .brokers(brokers)
              .firstPort(firstPort)
              .dataDirectory(dataDirectory)
              .brokerProperties(brokerProperties)
              .build()
              .start();
    } catch (RuntimeException e) {
      err.println(e.getMessage());
      return BrokerCommand.START_FAILED;
    }
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  cluster.close();
                  out.println("Kafka cluster stopped");
                  out.flush();
                  closed.countDown();
                },
                "cluster-shutdown"));
    int replicas = Math.min(3, brokers);
    out.printf(
        "Kafka cluster of %d node(s) ready at %s (data and node logs in %s)%n",
        brokers, cluster.bootstrapServers(), cluster.dataDirectory());
    out.printf(
        "Internal topics: replication factor %d, min.insync.replicas %d%n",
        replicas, Math.max(1, replicas - 1));
    out.println("Press Ctrl-C to stop.");
    out.flush();
    closed.await();
    return 0;
  }
}
