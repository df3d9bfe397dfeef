package io.digitstream.broker;

import java.io.IOException;
import java.io.InputStream;
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
 * One node of a {@link LocalKafkaCluster}, run as a child JVM: a combined broker and controller
 * with the given node id, ports, voters and cluster id. It exits when its standard input closes, so
 * that it dies with the process that started it even if that one was killed with SIGKILL.
 */
@Command(
    name = "cluster-node",
    mixinStandardHelpOptions = true,
    description = "One KRaft node of a local cluster; started by LocalKafkaCluster.")
public final class ClusterNode implements Callable<Integer> {

  /** The line a node prints once it serves clients; its parent waits for the cluster instead. */
  static final String READY = "cluster node ready";

  @Spec private CommandSpec spec;

  @Option(names = "--node-id", required = true)
  int nodeId;

  @Option(names = "--port", required = true)
  int port;

  @Option(names = "--controller-port", required = true)
  int controllerPort;

  @Option(names = "--cluster-id", required = true)
  String clusterId;

  @Option(names = "--data-dir", required = true)
  Path dataDirectory;

  @Option(names = "--voter", required = true, description = "NODE_ID=CONTROLLER_PORT, each node")
  Map<Integer, Integer> voters = new LinkedHashMap<>();

  @Option(names = "--broker-property", paramLabel = "KEY=VALUE")
  Map<String, String> brokerProperties = new LinkedHashMap<>();

  public static void main(String[] args) {
    QuietKafkaLogging.applyUnlessConfigured();
    System.exit(new CommandLine(new ClusterNode()).execute(args));
  }

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder()
            .port(port)
            .controllerPort(controllerPort)
            .dataDirectory(dataDirectory)
            .clusterMember(new ClusterMembership(nodeId, clusterId, voters))
            .brokerProperties(brokerProperties)
            .build();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  broker.close();
                  stopped.countDown();
                },
                "cluster-node-shutdown"));
    try {
      broker.start();
    } catch (RuntimeException e) {
      spec.commandLine().getErr().println(e.getMessage());
      return BrokerCommand.START_FAILED;
    }
    out.println(READY + ": node " + nodeId + " at " + broker.bootstrapServers());
    out.flush();
    watchParent(System.in);
    stopped.await();
    return 0;
  }

  /** The parent holds our stdin open; end of input means it is gone, so this node goes too. */
  private static void watchParent(InputStream stdin) {
    Thread watcher =
        new Thread(
            () -> {
              try {
                while (stdin.read() >= 0) {
                  // nothing is ever written; only the end counts
                }
              } catch (IOException e) {
                // a broken pipe is the same news
              }
              System.exit(0);
            },
            "parent-watcher");
    watcher.setDaemon(true);
    watcher.start();
  }
}
