package io.digitstream.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka cluster of N combined broker-and-controller KRaft nodes on loopback, each a child
 * JVM ({@link ClusterNode}) with a data directory of its own, all formatted with one cluster id and
 * one static voter set. Since the nodes are processes, {@link #kill} is a real {@code kill -9} and
 * {@link #restart} brings a node back on its ports and data, as after a machine crash.
 *
 * <pre>{@code
 * try (LocalKafkaCluster cluster = LocalKafkaCluster.builder().brokers(3).build().start()) {
 *   int leader = cluster.leaderOfMostPartitions(List.of("digits.images"));
 *   cluster.kill(leader);
 *   cluster.restart(leader);
 *   cluster.awaitFullIsr(Duration.ofSeconds(60));
 * }
 * }</pre>
 *
 * <p>The nodes die with this JVM: a shutdown hook stops them, and each node exits by itself when
 * its standard input, held open by this JVM, closes (also after a SIGKILL of this JVM).
 */
public final class LocalKafkaCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalKafkaCluster.class);
  private static final String HOST = "127.0.0.1";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final int brokers;
  private final Path dataDirectory;
  private final boolean deleteDataDirectoryOnClose;
  private final Map<String, String> brokerProperties;
  private final List<String> nodeJvmOptions;
  private final String clusterId;
  private final Map<Integer, Integer> ports = new LinkedHashMap<>();
  private final Map<Integer, Integer> controllerPorts = new LinkedHashMap<>();
  private final Map<Integer, Process> processes = new HashMap<>();
  private final Thread shutdownHook = new Thread(this::destroyAll, "local-kafka-cluster-shutdown");
  private Admin admin;
  private boolean started;
  private boolean closed;

  private LocalKafkaCluster(Builder builder) {
    this.brokers = builder.brokers;
    this.brokerProperties = Map.copyOf(builder.brokerProperties);
    this.nodeJvmOptions = List.copyOf(builder.nodeJvmOptions);
    if (builder.dataDirectory == null) {
      try {
        this.dataDirectory = Files.createTempDirectory("local-kafka-cluster-");
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot create a temporary data directory", e);
      }
      this.deleteDataDirectoryOnClose = true;
    } else {
      this.dataDirectory = builder.dataDirectory.toAbsolutePath().normalize();
      this.deleteDataDirectoryOnClose = false;
    }
    this.clusterId = clusterIdOf(dataDirectory);
    // Node n: client port first + 2(n-1), controller port one above, like 9092/9093 on one broker.
    int[] free = builder.firstPort == 0 ? SaslSslListener.freePorts(2 * brokers) : new int[0];
    for (int id = 1; id <= brokers; id++) {
      int index = 2 * (id - 1);
      ports.put(id, builder.firstPort == 0 ? free[index] : builder.firstPort + index);
      controllerPorts.put(
          id, builder.firstPort == 0 ? free[index + 1] : builder.firstPort + index + 1);
    }
  }

  /** Starts describing a cluster; three nodes on free ports by default. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts every node at once (a quorum needs a majority to elect a controller) and waits until
   * every broker is registered and unfenced.
   *
   * @throws BrokerStartException naming the node that failed, with the end of its log
   */
  public synchronized LocalKafkaCluster start() {
    if (closed) {
      throw new IllegalStateException("The local Kafka cluster is closed");
    }
    if (started) {
      return this;
    }
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    started = true;
    long startNanos = System.nanoTime();
    try {
      for (int id : nodeIds()) {
        processes.put(id, launch(id));
      }
      admin = Admin.create(adminConfig());
      awaitBrokers(nodeIds());
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    log.info(
        "Local Kafka cluster of {} nodes ready at {} in {} ms (cluster {}, data in {})",
        brokers,
        bootstrapServers(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
        clusterId,
        dataDirectory);
    return this;
  }

  /** Every node's client listener, e.g. {@code 127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096}. */
  public String bootstrapServers() {
    return nodeIds().stream()
        .map(id -> HOST + ":" + ports.get(id))
        .collect(Collectors.joining(","));
  }

  /** The node ids, 1 to N. */
  public List<Integer> nodeIds() {
    return List.copyOf(ports.keySet());
  }

  /** The client listener port of node {@code id}. */
  public int port(int id) {
    return ports.get(requireNode(id));
  }

  /** The id the storage of every node is formatted with. */
  public String clusterId() {
    return clusterId;
  }

  /**
   * The root of the nodes' data directories ({@code node-<id>}) and logs ({@code node-<id>.log}).
   */
  public Path dataDirectory() {
    return dataDirectory;
  }

  /** The output of node {@code id}: Kafka's log and anything it printed. */
  public Path nodeLog(int id) {
    return dataDirectory.resolve("node-" + requireNode(id) + ".log");
  }

  /** Whether node {@code id}'s process is alive. */
  public synchronized boolean isRunning(int id) {
    Process process = processes.get(requireNode(id));
    return process != null && process.isAlive();
  }

  /** SIGKILL of node {@code id}'s JVM: no controlled shutdown, no flush, as in a crash. */
  public synchronized void kill(int id) {
    Process process = processes.remove(requireNode(id));
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    awaitExit(id, process);
    log.info("Killed node {} (kill -9 of pid {})", id, process.pid());
  }

  /** SIGTERM of node {@code id}: Kafka's controlled shutdown moves its leaderships first. */
  public synchronized void stop(int id) {
    Process process = processes.remove(requireNode(id));
    if (process == null) {
      return;
    }
    process.destroy();
    awaitExit(id, process);
    log.info("Stopped node {}", id);
  }

  /**
   * Starts node {@code id} again on its ports and data (stopping it first if it runs) and waits
   * until it is registered and unfenced.
   */
  public synchronized void restart(int id) {
    requireStarted();
    stop(id);
    processes.put(id, launch(id));
    awaitBrokers(List.of(id));
    log.info("Node {} back at {}:{}", id, HOST, ports.get(id));
  }

  /** CPU time the running nodes' JVMs have used so far, for benchmarks. */
  public synchronized Duration cpuTime() {
    return processes.values().stream()
        .map(p -> p.info().totalCpuDuration().orElse(Duration.ZERO))
        .reduce(Duration.ZERO, Duration::plus);
  }

  /** The node that leads the most partitions of {@code topics} (the lowest id on a tie). */
  public int leaderOfMostPartitions(Collection<String> topics) {
    return PartitionLeaders.leaderOfMost(describe(topics).values());
  }

  /** The node that leads the KRaft quorum now, i.e. the active controller. */
  public int activeController() {
    try {
      return admin().describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new KafkaException("Cannot describe the metadata quorum: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("Interrupted while describing the metadata quorum", e);
    }
  }

  /**
   * Waits until every partition of every topic, Kafka's internal ones included, has a leader and
   * all its replicas in sync: after a restart, the point where the cluster can lose a node again.
   */
  public void awaitFullIsr(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String lagging = "no answer";
    while (System.nanoTime() < deadline) {
      try {
        Set<String> topics =
            admin().listTopics(new ListTopicsOptions().listInternal(true)).names().get();
        lagging = firstLagging(describe(topics));
        if (lagging == null) {
          return;
        }
      } catch (ExecutionException | KafkaException e) {
        lagging = e.getMessage();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaException("Interrupted while waiting for in-sync replicas", e);
      }
      EmbeddedKafkaBroker.pause(Duration.ofMillis(200));
    }
    throw new KafkaException(
        "Replicas not all in sync after " + timeout.toSeconds() + " s: " + lagging);
  }

  /** Stops every node, one after the other, and deletes temporary data. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (admin != null) {
      admin.close(Duration.ofSeconds(2));
      admin = null;
    }
    destroyAll();
    if (started) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // already shutting down: the hook is running or ran
      }
    }
    if (deleteDataDirectoryOnClose) {
      EmbeddedKafkaBroker.deleteRecursively(dataDirectory);
    }
  }

  /** The id kept in the data directory, or a new one written there: restarts find it again. */
  private static String clusterIdOf(Path dataDirectory) {
    Path file = dataDirectory.resolve("cluster.id");
    try {
      if (Files.isRegularFile(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).strip();
      }
      Files.createDirectories(dataDirectory);
      String id = Uuid.randomUuid().toString();
      Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
      return id;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read or write " + file, e);
    }
  }

  private Process launch(int id) {
    Path nodeDirectory = dataDirectory.resolve("node-" + id);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(nodeJvmOptions);
    String logging = System.getProperty("logback.configurationFile");
    if (logging != null) {
      command.add("-Dlogback.configurationFile=" + logging);
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ClusterNode.class.getName());
    command.add("--node-id=" + id);
    command.add("--port=" + ports.get(id));
    command.add("--controller-port=" + controllerPorts.get(id));
    command.add("--cluster-id=" + clusterId);
    command.add("--data-dir=" + nodeDirectory);
    controllerPorts.forEach((voter, port) -> command.add("--voter=" + voter + "=" + port));
    brokerProperties.forEach((key, value) -> command.add("--broker-property=" + key + "=" + value));
    try {
      Files.createDirectories(nodeDirectory);
      return new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(nodeLog(id).toFile()))
          // stdin stays a pipe held by this JVM: its end tells the node that we are gone.
          .start();
    } catch (IOException e) {
      throw new BrokerStartException("Cannot start Kafka node " + id + ": " + e, e);
    }
  }

  /** Waits until each of {@code ids} is a registered, unfenced broker; fails if one exits. */
  private void awaitBrokers(Collection<Integer> ids) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    Set<Integer> missing = new HashSet<>(ids);
    while (true) {
      for (int id : ids) {
        Process process = processes.get(id);
        if (process == null || !process.isAlive()) {
          throw new BrokerStartException(
              "Kafka node " + id + " exited while starting; its log ends with:\n" + logTail(id));
        }
      }
      try {
        Collection<Node> nodes = admin().describeCluster().nodes().get(5, TimeUnit.SECONDS);
        nodes.forEach(node -> missing.remove(node.id()));
        if (missing.isEmpty()) {
          return;
        }
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        // not serving yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BrokerStartException("Interrupted while waiting for Kafka nodes " + ids, e);
      }
      if (System.nanoTime() >= deadline) {
        throw new BrokerStartException(
            "Kafka nodes "
                + missing
                + " were not serving after "
                + START_TIMEOUT.toSeconds()
                + " s; the log of node "
                + missing.iterator().next()
                + " ends with:\n"
                + logTail(missing.iterator().next()));
      }
      EmbeddedKafkaBroker.pause(Duration.ofMillis(200));
    }
  }

  private Map<String, TopicDescription> describe(Collection<String> topics) {
    try {
      return admin().describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new KafkaException("Cannot describe topics " + topics + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("Interrupted while describing topics " + topics, e);
    }
  }

  private static String firstLagging(Map<String, TopicDescription> descriptions) {
    for (TopicDescription description : descriptions.values()) {
      for (TopicPartitionInfo p : description.partitions()) {
        boolean led = p.leader() != null && !p.leader().isEmpty();
        if (!led || p.isr().size() < p.replicas().size()) {
          return description.name()
              + "-"
              + p.partition()
              + " (leader "
              + (led ? p.leader().id() : "none")
              + ", "
              + p.isr().size()
              + " of "
              + p.replicas().size()
              + " replicas in sync)";
        }
      }
    }
    return null;
  }

  private synchronized Admin admin() {
    requireStarted();
    return admin;
  }

  private Map<String, Object> adminConfig() {
    return Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
        bootstrapServers(),
        AdminClientConfig.CLIENT_ID_CONFIG,
        "local-kafka-cluster-admin",
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
        5_000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
        10_000);
  }

  private void awaitExit(int id, Process process) {
    try {
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        log.warn("Node {} did not stop within {} s; killing it", id, STOP_TIMEOUT.toSeconds());
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /**
   * One node at a time, so that each controlled shutdown still finds a controller quorum; the last
   * node alone has none to hand its leaderships to, so it is killed.
   */
  private synchronized void destroyAll() {
    List<Integer> running = new ArrayList<>(processes.keySet());
    for (int i = 0; i < running.size(); i++) {
      Process process = processes.get(running.get(i));
      if (i == running.size() - 1) {
        process.destroyForcibly();
      } else {
        process.destroy();
      }
      awaitExit(running.get(i), process);
    }
    processes.clear();
  }

  private String logTail(int id) {
    try {
      List<String> lines = Files.readAllLines(nodeLog(id), StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private int requireNode(int id) {
    if (!ports.containsKey(id)) {
      throw new IllegalArgumentException("No node " + id + "; the nodes are " + nodeIds());
    }
    return id;
  }

  private void requireStarted() {
    if (!started || closed) {
      throw new IllegalStateException("The local Kafka cluster is not running");
    }
  }

  /** Describes a {@link LocalKafkaCluster}; {@link #build()} creates it without starting it. */
  public static final class Builder {
    private int brokers = 3;
    private int firstPort;
    private Path dataDirectory;
    private final Map<String, String> brokerProperties = new LinkedHashMap<>();
    private final List<String> nodeJvmOptions =
        new ArrayList<>(List.of("-Xmx384m", "-XX:+UseSerialGC"));

    private Builder() {}

    /** How many nodes, each broker and controller (1-9; 3 by default). */
    public Builder brokers(int brokers) {
      if (brokers < 1 || brokers > 9) {
        throw new IllegalArgumentException("brokers must be 1-9, got " + brokers);
      }
      this.brokers = brokers;
      return this;
    }

    /**
     * The first node's client port; node n listens on {@code firstPort + 2(n-1)} and its controller
     * one above. 0 (the default) picks free ports.
     */
    public Builder firstPort(int firstPort) {
      if (firstPort < 0 || firstPort > 65_535 - 20) {
        throw new IllegalArgumentException("firstPort must be 0 or 1-65515, got " + firstPort);
      }
      this.firstPort = firstPort;
      return this;
    }

    /**
     * Where the nodes keep their data, reused on the next start; a temporary directory deleted on
     * close by default. A reused directory must come from a cluster of the same id: the id is kept
     * in {@code cluster.id} beside the nodes' directories.
     */
    public Builder dataDirectory(Path dataDirectory) {
      this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory");
      return this;
    }

    /** Broker properties for every node, over the defaults of {@link EmbeddedKafkaBroker}. */
    public Builder brokerProperties(Map<String, String> properties) {
      brokerProperties.putAll(properties);
      return this;
    }

    public LocalKafkaCluster build() {
      return new LocalKafkaCluster(this);
    }
  }
}
