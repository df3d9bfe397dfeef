package io.digitstream.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker in KRaft mode (broker and controller in one node), run
 * inside this JVM from the Kafka server jars.
 *
 * <p>It is set up for one node unless {@link Builder#clusterMember} makes it one node of a cluster
 * ({@link LocalKafkaCluster} runs such nodes each in a JVM of its own). On one node every internal
 * topic has replication factor 1, consumer groups rebalance without delay and transactions work, so
 * Kafka Streams apps with {@code exactly_once_v2} run against it unchanged. Clients connect to
 * {@link #bootstrapServers()} over PLAINTEXT.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
 *   broker.createTopics(Map.of("digits", 4));
 *   // clients use broker.bootstrapServers()
 * }
 * }</pre>
 *
 * <p>Close clients and Streams apps before the broker; otherwise they wait out their timeouts.
 * Kafka halts the JVM it runs in on a fatal metadata fault; run the broker in its own process
 * ({@link BrokerCommand}) where that matters.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

  /** The listener that clients use; the broker also replicates internally over it. */
  public static final String CLIENT_LISTENER = "PLAINTEXT";

  /** The listener the KRaft controller uses, on {@link #controllerPort()}. */
  public static final String CONTROLLER_LISTENER = "CONTROLLER";

  /**
   * Aborts the open transaction of a killed exactly-once producer soon after it times out: the
   * broker looks every second instead of every 10 s. For tests that kill an application.
   */
  public static final Map<String, String> QUICK_TRANSACTION_ABORT =
      Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
  private static final String HOST = "127.0.0.1";
  private static final int NODE_ID = 1;
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(30);
  private static final int ATTEMPTS_ON_PICKED_PORTS = 3;
  private static final Set<Path> DATA_DIRECTORIES_IN_USE = ConcurrentHashMap.newKeySet();

  private enum State {
    NEW,
    RUNNING,
    STOPPED,
    CLOSED
  }

  private final boolean pickListenerPort;
  private final boolean pickControllerPort;
  private final Path dataDirectory;
  private final boolean deleteDataDirectoryOnClose;
  private final Map<String, String> extraProperties;
  private final boolean autoCreateTopics;
  private final ClusterMembership membership;

  private int port;
  private int controllerPort;
  // Picked ports are fixed once the broker has started, so a restart comes back on the same ones.
  private boolean portsSettled;
  private State state = State.NEW;
  private KafkaRaftServer server;
  private Admin admin;
  private String clusterId;

  private EmbeddedKafkaBroker(Builder builder) {
    this.pickListenerPort = builder.port == 0;
    this.pickControllerPort = builder.controllerPort == 0;
    this.port = pickListenerPort ? freePort() : builder.port;
    this.controllerPort = pickControllerPort ? freePort(port) : builder.controllerPort;
    if (port == controllerPort) {
      throw new IllegalArgumentException(
          "The listener port and the controller port must differ, both are " + port);
    }
    this.extraProperties = Map.copyOf(builder.extraProperties);
    this.autoCreateTopics = builder.autoCreateTopics;
    this.membership = builder.membership;
    if (builder.dataDirectory == null) {
      this.dataDirectory = createTempDirectory();
      this.deleteDataDirectoryOnClose = true;
    } else {
      this.dataDirectory = builder.dataDirectory.toAbsolutePath().normalize();
      this.deleteDataDirectoryOnClose = false;
    }
  }

  /** Starts describing a broker; every setting has a default. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Formats storage if needed, starts the broker and blocks until an admin client can describe the
   * cluster. Does nothing if the broker is already running.
   *
   * @return this broker, so that {@code builder().build().start()} reads as one step
   * @throws BrokerStartException if the broker cannot start; nothing of it is left running then
   * @throws IllegalStateException if the broker has been closed
   */
  public synchronized EmbeddedKafkaBroker start() {
    if (state == State.CLOSED) {
      throw new IllegalStateException("The embedded Kafka broker is closed and cannot start again");
    }
    if (state == State.RUNNING) {
      return this;
    }
    long startNanos = System.nanoTime();
    for (int attempt = 1; ; attempt++) {
      try {
        startOnce();
        break;
      } catch (BrokerStartException e) {
        if (!mayRetryOnOtherPorts(e, attempt)) {
          if (state == State.NEW && deleteDataDirectoryOnClose) {
            // Nobody can close a broker whose first start threw inside try-with-resources.
            deleteRecursively(dataDirectory);
          }
          throw e;
        }
        // Another process took a port between picking and binding it; pick again.
        log.info("{}; retrying on other free ports", e.getMessage());
        if (pickListenerPort) {
          port = freePort();
        }
        if (pickControllerPort) {
          controllerPort = freePort(port);
        }
      }
    }
    portsSettled = true;
    state = State.RUNNING;
    log.info(
        "Embedded Kafka broker ready at {} in {} ms (cluster {}, data in {})",
        bootstrapServers(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
        clusterId,
        dataDirectory);
    return this;
  }

  /**
   * Creates the topics that do not exist yet and waits until every partition of every given topic
   * has a leader that serves requests. Producers may send as soon as this returns; an idempotent
   * producer sending earlier could lose its first batch (KAFKA-15591).
   *
   * @param partitionsByTopic the number of partitions of each topic, replication factor 1
   * @throws IllegalStateException if a topic exists with another number of partitions
   */
  public void createTopics(Map<String, Integer> partitionsByTopic) {
    List<NewTopic> topics = new ArrayList<>();
    partitionsByTopic.forEach(
        (name, partitions) ->
            topics.add(new NewTopic(name, Optional.of(partitions), Optional.empty())));
    createTopics(topics);
  }

  /**
   * Like {@link #createTopics(Map)}, for topics that need their own configuration, such as
   * compaction. Partition count and replication factor may be left to the broker's defaults.
   */
  public synchronized void createTopics(Collection<NewTopic> topics) {
    requireRunning();
    if (topics.isEmpty()) {
      return;
    }
    CreateTopicsResult result = admin.createTopics(topics);
    for (NewTopic topic : topics) {
      try {
        result.values().get(topic.name()).get(TOPIC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new KafkaException(
              "Cannot create topic " + topic.name() + ": " + e.getCause().getMessage(), e);
        }
      } catch (TimeoutException e) {
        throw new KafkaException("Timed out creating topic " + topic.name(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaException("Interrupted while creating topic " + topic.name(), e);
      }
    }
    awaitLeaders(topics);
  }

  /**
   * Stops the broker and keeps its data, so that {@link #start()} brings it back on the same ports
   * with the same topics and records. Does nothing unless the broker is running.
   */
  public synchronized void stop() {
    if (state != State.RUNNING) {
      return;
    }
    long stopNanos = System.nanoTime();
    closeAdmin();
    try {
      shutDown(server);
    } finally {
      server = null;
      state = State.STOPPED;
      DATA_DIRECTORIES_IN_USE.remove(dataDirectory);
    }
    log.info(
        "Embedded Kafka broker at {} stopped in {} ms",
        bootstrapServers(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopNanos));
  }

  /** Stops the broker and starts it again on the same ports and data, as a broker restart would. */
  public synchronized void restart() {
    stop();
    start();
  }

  /**
   * Stops the broker and deletes its data directory if it was a temporary one. Calling it again
   * does nothing.
   */
  @Override
  public synchronized void close() {
    if (state == State.CLOSED) {
      return;
    }
    stop();
    state = State.CLOSED;
    if (deleteDataDirectoryOnClose) {
      deleteRecursively(dataDirectory);
    }
  }

  /** Where clients connect, for example {@code 127.0.0.1:9092}. */
  public String bootstrapServers() {
    return HOST + ":" + port();
  }

  /** The port of the client listener; known before start even when it was picked freely. */
  public synchronized int port() {
    return port;
  }

  /** The port of the KRaft controller listener. */
  public synchronized int controllerPort() {
    return controllerPort;
  }

  /** The directory that holds the broker's logs and metadata. */
  public Path dataDirectory() {
    return dataDirectory;
  }

  /** The id of the cluster stored in the data directory; known once the broker has started. */
  public synchronized Optional<String> clusterId() {
    return Optional.ofNullable(clusterId);
  }

  /** Whether the broker is running and serving clients. */
  public synchronized boolean isRunning() {
    return state == State.RUNNING;
  }

  /** The complete broker configuration used at the next (or last) start, for diagnostics. */
  public synchronized Map<String, String> brokerConfig() {
    return Collections.unmodifiableMap(buildConfig());
  }

  private void startOnce() {
    // Kafka halts the whole JVM when its data directory is locked, so refuse before it gets there.
    if (!DATA_DIRECTORIES_IN_USE.add(dataDirectory)) {
      throw new BrokerStartException(
          "Data directory "
              + dataDirectory
              + " is in use by another embedded Kafka broker in this JVM");
    }
    try {
      List<Path> directories = List.of(logDirectory(), metadataDirectory());
      KraftStorage.requireUnlocked(directories);
      Map<String, String> config = buildConfig();
      clusterId =
          KraftStorage.ensureFormatted(
              directories,
              config,
              Optional.ofNullable(membership).map(ClusterMembership::clusterId));
      server = startServer(config);
    } catch (RuntimeException e) {
      DATA_DIRECTORIES_IN_USE.remove(dataDirectory);
      throw e;
    }
  }

  private KafkaRaftServer startServer(Map<String, String> config) {
    KafkaRaftServer candidate;
    try {
      candidate = new KafkaRaftServer(new KafkaConfig(config, false), Time.SYSTEM);
    } catch (RuntimeException e) {
      throw new BrokerStartException("Invalid embedded Kafka broker setup: " + e.getMessage(), e);
    }
    try {
      candidate.startup();
      admin = Admin.create(adminConfig());
      awaitReady();
    } catch (RuntimeException e) {
      // A half-started broker keeps non-daemon controller threads alive; take it down fully.
      try {
        closeAdmin();
        shutDown(candidate);
      } catch (RuntimeException shutdownFailure) {
        e.addSuppressed(shutdownFailure);
      }
      throw describeStartFailure(e);
    }
    return candidate;
  }

  private Map<String, String> buildConfig() {
    int nodeId = membership == null ? NODE_ID : membership.nodeId();
    String voters =
        membership == null ? NODE_ID + "@" + HOST + ":" + controllerPort : membership.voters();
    int clusterSize = membership == null ? 1 : membership.size();
    // Kafka's internal topics follow the cluster's size: more replicas than brokers never work.
    String replicas = String.valueOf(Math.min(3, clusterSize));
    String minInSync = String.valueOf(Math.max(1, Math.min(3, clusterSize) - 1));
    Map<String, String> config = new LinkedHashMap<>();
    config.put("process.roles", "broker,controller");
    config.put("node.id", String.valueOf(nodeId));
    config.put("controller.quorum.voters", voters);
    config.put(
        "listeners",
        endpoint(CLIENT_LISTENER, port) + "," + endpoint(CONTROLLER_LISTENER, controllerPort));
    config.put("advertised.listeners", endpoint(CLIENT_LISTENER, port));
    config.put(
        "listener.security.protocol.map",
        CLIENT_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
    config.put("controller.listener.names", CONTROLLER_LISTENER);
    config.put("inter.broker.listener.name", CLIENT_LISTENER);
    config.put("log.dirs", logDirectory().toString());
    // Its own directory: a second broker pointed at the same data must not touch the quorum's log.
    config.put("metadata.log.dir", metadataDirectory().toString());
    // On one node internal topics cannot have more replicas, or groups and transactions never work.
    config.put("offsets.topic.replication.factor", replicas);
    config.put("transaction.state.log.replication.factor", replicas);
    config.put("transaction.state.log.min.isr", minInSync);
    config.put("share.coordinator.state.topic.replication.factor", replicas);
    config.put("share.coordinator.state.topic.min.isr", minInSync);
    config.put("default.replication.factor", replicas);
    config.put("min.insync.replicas", minInSync);
    config.put("num.partitions", "1");
    // Kafka's 50 partitions per internal topic only slow the first group join and transaction here.
    config.put("offsets.topic.num.partitions", "4");
    config.put("transaction.state.log.num.partitions", "4");
    // Nobody else will join a group here; waiting for them only slows tests down.
    config.put("group.initial.rebalance.delay.ms", "0");
    config.put("group.streams.initial.rebalance.delay.ms", "0");
    // The default reserves 128 MiB of heap for compaction, far more than local topics need.
    config.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
    config.put("auto.create.topics.enable", String.valueOf(autoCreateTopics));
    config.putAll(extraProperties);
    return config;
  }

  private static String endpoint(String listener, int port) {
    return listener + "://" + HOST + ":" + port;
  }

  private Path logDirectory() {
    return dataDirectory.resolve("logs");
  }

  private Path metadataDirectory() {
    return dataDirectory.resolve("metadata");
  }

  private Map<String, Object> adminConfig() {
    return Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
        bootstrapServers(),
        AdminClientConfig.CLIENT_ID_CONFIG,
        "embedded-kafka-admin",
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
        10_000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
        (int) TOPIC_TIMEOUT.toMillis());
  }

  private void awaitReady() {
    try {
      Collection<Node> nodes =
          admin.describeCluster().nodes().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (nodes.isEmpty()) {
        throw new KafkaException("The broker reports a cluster without nodes");
      }
    } catch (ExecutionException e) {
      throw new KafkaException("The broker did not answer: " + e.getCause().getMessage(), e);
    } catch (TimeoutException e) {
      throw new KafkaException(
          "The broker was not ready after " + READY_TIMEOUT.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("Interrupted while waiting for the broker", e);
    }
  }

  private void awaitLeaders(Collection<NewTopic> topics) {
    List<String> names = topics.stream().map(NewTopic::name).toList();
    long deadline = System.nanoTime() + TOPIC_TIMEOUT.toNanos();
    Throwable lastProblem = null;
    while (System.nanoTime() < deadline) {
      try {
        Map<String, TopicDescription> descriptions =
            admin.describeTopics(names).allTopicNames().get();
        requireExpectedPartitionCounts(topics, descriptions);
        Map<TopicPartition, OffsetSpec> partitions = new LinkedHashMap<>();
        boolean allLed = true;
        for (TopicDescription description : descriptions.values()) {
          for (TopicPartitionInfo partition : description.partitions()) {
            allLed &= partition.leader() != null && !partition.leader().isEmpty();
            partitions.put(
                new TopicPartition(description.name(), partition.partition()), OffsetSpec.latest());
          }
        }
        if (allLed) {
          // Only the leader's replica answers ListOffsets, so this proves the partitions serve.
          admin.listOffsets(partitions).all().get();
          return;
        }
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException)) {
          throw new KafkaException(
              "Cannot check the leaders of " + names + ": " + e.getCause().getMessage(), e);
        }
        lastProblem = e.getCause();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaException("Interrupted while waiting for leaders of " + names, e);
      }
      pause(Duration.ofMillis(20));
    }
    throw new KafkaException(
        "Partitions of " + names + " had no leader after " + TOPIC_TIMEOUT.toSeconds() + " s",
        lastProblem);
  }

  private static void requireExpectedPartitionCounts(
      Collection<NewTopic> topics, Map<String, TopicDescription> descriptions) {
    for (NewTopic topic : topics) {
      int actual = descriptions.get(topic.name()).partitions().size();
      if (topic.numPartitions() > 0 && actual != topic.numPartitions()) {
        throw new IllegalStateException(
            "Topic "
                + topic.name()
                + " already exists with "
                + actual
                + " partitions, not the "
                + topic.numPartitions()
                + " asked for");
      }
    }
  }

  private boolean mayRetryOnOtherPorts(BrokerStartException e, int attempt) {
    if (portsSettled || attempt >= ATTEMPTS_ON_PICKED_PORTS || e.portInUse().isEmpty()) {
      return false;
    }
    int busy = e.portInUse().getAsInt();
    return (busy == port && pickListenerPort) || (busy == controllerPort && pickControllerPort);
  }

  private BrokerStartException describeStartFailure(RuntimeException failure) {
    if (causedBy(failure, BindException.class)) {
      // Kafka names host:port in its message; probing is the fallback for other listener setups.
      Optional<Integer> busy =
          Stream.of(port, controllerPort)
              .filter(p -> mentions(failure, HOST + ":" + p))
              .findFirst()
              .or(() -> Stream.of(port, controllerPort).filter(p -> !isFree(p)).findFirst());
      if (busy.isPresent()) {
        int busyPort = busy.get();
        String listener = busyPort == port ? "client listener" : "controller listener";
        return new BrokerStartException(
            "Cannot start the embedded Kafka broker: port "
                + busyPort
                + " ("
                + listener
                + ") on "
                + HOST
                + " is already in use",
            failure,
            busyPort);
      }
    }
    return new BrokerStartException(
        "Cannot start the embedded Kafka broker at "
            + bootstrapServers()
            + " (data in "
            + dataDirectory
            + "): "
            + failure.getMessage(),
        failure);
  }

  private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static boolean mentions(Throwable failure, String text) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains(text)) {
        return true;
      }
    }
    return false;
  }

  private void requireRunning() {
    if (state != State.RUNNING) {
      throw new IllegalStateException("The embedded Kafka broker is not running (" + state + ")");
    }
  }

  private void closeAdmin() {
    if (admin != null) {
      admin.close(Duration.ofSeconds(5));
      admin = null;
    }
  }

  private static void shutDown(KafkaRaftServer server) {
    try {
      server.shutdown();
    } finally {
      server.awaitShutdown();
    }
  }

  private static int freePort(int... taken) {
    for (int attempt = 0; attempt < 10; attempt++) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
        int candidate = socket.getLocalPort();
        if (Arrays.stream(taken).noneMatch(p -> p == candidate)) {
          return candidate;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot find a free port on " + HOST, e);
      }
    }
    throw new IllegalStateException("Cannot find a free port on " + HOST);
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static Path createTempDirectory() {
    try {
      return Files.createTempDirectory("embedded-kafka-");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create a temporary data directory", e);
    }
  }

  static void deleteRecursively(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      log.warn("Could not delete the data directory {}: {}", directory, e.toString());
    }
  }

  static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("Interrupted while waiting for Kafka", e);
    }
  }

  /** Describes an {@link EmbeddedKafkaBroker}; {@link #build()} creates it without starting it. */
  public static final class Builder {

    private int port;
    private int controllerPort;
    private Path dataDirectory;
    private final Map<String, String> extraProperties = new LinkedHashMap<>();
    private boolean autoCreateTopics;
    private ClusterMembership membership;

    private Builder() {}

    /** The client listener port; 0 (the default) picks a free one. */
    public Builder port(int port) {
      this.port = requirePort(port, "port");
      return this;
    }

    /** The KRaft controller port; 0 (the default) picks a free one. */
    public Builder controllerPort(int controllerPort) {
      this.controllerPort = requirePort(controllerPort, "controllerPort");
      return this;
    }

    /**
     * A data directory that outlives the broker: formatted on first use, reused with its cluster
     * id, topics and records afterwards, never deleted. By default the broker uses a fresh
     * temporary directory and deletes it on {@link EmbeddedKafkaBroker#close()}.
     */
    public Builder dataDirectory(Path dataDirectory) {
      this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory");
      return this;
    }

    /**
     * Broker properties that override the defaults, for example to add a SASL listener by setting
     * {@code listeners}, {@code advertised.listeners} and {@code listener.security.protocol.map}
     * (keep the {@code PLAINTEXT} and {@code CONTROLLER} listeners in them, on fixed ports). See
     * {@link EmbeddedKafkaBroker#brokerConfig()} for the defaults.
     */
    public Builder brokerProperties(Map<String, String> properties) {
      extraProperties.putAll(properties);
      return this;
    }

    /** Whether producing to or subscribing to an unknown topic creates it; off by default. */
    public Builder autoCreateTopics(boolean autoCreateTopics) {
      this.autoCreateTopics = autoCreateTopics;
      return this;
    }

    /**
     * Makes this broker one node of a multi-node cluster: its node id, the cluster id every node is
     * formatted with, and the static controller quorum. Kafka's internal topics then get
     * replication factor {@code min(3, size)} and {@code min.insync.replicas} one less (at least
     * 1). Give fixed ports: the quorum names every node's controller port.
     */
    public Builder clusterMember(ClusterMembership membership) {
      this.membership = Objects.requireNonNull(membership, "membership");
      return this;
    }

    /** Creates the broker (picking free ports now) without starting it. */
    public EmbeddedKafkaBroker build() {
      return new EmbeddedKafkaBroker(this);
    }

    private static int requirePort(int port, String name) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException(name + " must be 0 (any free port) or 1-65535: " + port);
      }
      return port;
    }
  }
}
