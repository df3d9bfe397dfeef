package io.digitstream.streams.reliability;

import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import io.digitstream.broker.EmbeddedKafkaBroker;
import io.digitstream.broker.PartitionLeaders;
import io.digitstream.broker.SaslSslListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.internals.AppInfoParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.lifecycle.Startables;

/**
 * Three {@code apache/kafka} containers on one Docker network, each broker and controller of one
 * KRaft quorum (the same settings as the compose file's {@code cluster} profile), with Kafka's
 * internal topics on all three. {@link #kill} is {@code docker kill} (SIGKILL), {@link #restart} is
 * {@code docker start} of the same container, so the broker comes back on its own data.
 *
 * <p>The host ports are chosen up front and bound fixed, because each broker must advertise the
 * port the test JVM reaches it on, and Docker may hand out another random port after a restart.
 * They are free on this machine, which assumes the Docker engine runs here too.
 */
final class DockerKafkaCluster implements FailoverScenario.Cluster, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DockerKafkaCluster.class);

  /** The broker of the Kafka version the clients are built against. */
  private static final String IMAGE = "apache/kafka:" + AppInfoParser.getVersion();

  private static final int EXTERNAL_PORT = 9092;
  private static final int INTERNAL_PORT = 29092;
  private static final int CONTROLLER_PORT = 9093;
  private static final int BROKERS = 3;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private final Network network = Network.newNetwork();
  private final Map<Integer, GenericContainer<?>> nodes = new LinkedHashMap<>();
  private final String bootstrapServers;
  private Admin admin;

  /**
   * @param brokerProperties broker properties for every node, as the child-JVM cluster takes them
   */
  DockerKafkaCluster(Map<String, String> brokerProperties) {
    String clusterId = Uuid.randomUuid().toString();
    String host = DockerClientFactory.instance().dockerHostIpAddress();
    int[] hostPorts = SaslSslListener.freePorts(BROKERS);
    String voters =
        nodeIds().stream()
            .map(id -> id + "@" + alias(id) + ":" + CONTROLLER_PORT)
            .collect(Collectors.joining(","));
    List<String> bootstrap = new ArrayList<>();
    for (int id : nodeIds()) {
      int hostPort = hostPorts[id - 1];
      bootstrap.add(host + ":" + hostPort);
      Map<String, String> env =
          environment(id, clusterId, voters, host + ":" + hostPort, brokerProperties);
      GenericContainer<?> node =
          new GenericContainer<>(IMAGE)
              .withNetwork(network)
              .withNetworkAliases(alias(id))
              .withEnv(env)
              .withCreateContainerCmdModifier(
                  cmd -> {
                    ExposedPort external = ExposedPort.tcp(EXTERNAL_PORT);
                    HostConfig config =
                        cmd.getHostConfig() == null
                            ? HostConfig.newHostConfig()
                            : cmd.getHostConfig();
                    cmd.withExposedPorts(external)
                        .withHostConfig(
                            config.withPortBindings(
                                new PortBinding(Ports.Binding.bindPort(hostPort), external)));
                  })
              .withLogConsumer(new Slf4jLogConsumer(log).withPrefix(alias(id)))
              // A node starts only once a quorum majority is up: start() starts all three together.
              .waitingFor(Wait.forLogMessage(".*Kafka Server started.*", 1))
              .withStartupTimeout(START_TIMEOUT);
      nodes.put(id, node);
    }
    this.bootstrapServers = String.join(",", bootstrap);
  }

  /** The node's settings, in the image's {@code KAFKA_*} variables; like the compose profile's. */
  static Map<String, String> environment(
      int id, String clusterId, String voters, String external, Map<String, String> extra) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CLUSTER_ID", clusterId);
    env.put("KAFKA_NODE_ID", String.valueOf(id));
    env.put("KAFKA_PROCESS_ROLES", "broker,controller");
    env.put("KAFKA_CONTROLLER_QUORUM_VOTERS", voters);
    env.put(
        "KAFKA_LISTENERS",
        "INTERNAL://:"
            + INTERNAL_PORT
            + ",EXTERNAL://:"
            + EXTERNAL_PORT
            + ",CONTROLLER://:"
            + CONTROLLER_PORT);
    env.put(
        "KAFKA_ADVERTISED_LISTENERS",
        "INTERNAL://" + alias(id) + ":" + INTERNAL_PORT + ",EXTERNAL://" + external);
    env.put(
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
        "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT");
    env.put("KAFKA_INTER_BROKER_LISTENER_NAME", "INTERNAL");
    env.put("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER");
    env.put("KAFKA_HEAP_OPTS", "-Xmx512m");
    // Internal topics on all three, two in sync, as the apps choose for their own topics.
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("offsets.topic.replication.factor", "3");
    properties.put("transaction.state.log.replication.factor", "3");
    properties.put("transaction.state.log.min.isr", "2");
    properties.put("share.coordinator.state.topic.replication.factor", "3");
    properties.put("share.coordinator.state.topic.min.isr", "2");
    properties.put("default.replication.factor", "3");
    properties.put("min.insync.replicas", "2");
    properties.put("offsets.topic.num.partitions", "4");
    properties.put("transaction.state.log.num.partitions", "4");
    properties.put("group.initial.rebalance.delay.ms", "0");
    properties.put("auto.create.topics.enable", "false");
    properties.putAll(extra);
    properties.forEach((key, value) -> env.put(environmentName(key), value));
    return env;
  }

  /** With the settings that make a killed exactly-once producer's transaction abort quickly. */
  static DockerKafkaCluster forKillTests() {
    return new DockerKafkaCluster(EmbeddedKafkaBroker.QUICK_TRANSACTION_ABORT);
  }

  /** Starts the three containers together and waits until all three serve as brokers. */
  DockerKafkaCluster start() {
    Startables.deepStart(nodes.values()).join();
    admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000));
    awaitBroker(nodeIds());
    log.info("Docker Kafka cluster of {} nodes ready at {}", BROKERS, bootstrapServers);
    return this;
  }

  @Override
  public String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public int leaderOfMostPartitions(Collection<String> topics) {
    try {
      return PartitionLeaders.leaderOfMost(
          admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values());
    } catch (ExecutionException | TimeoutException e) {
      throw new KafkaException("Cannot describe topics " + topics + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("Interrupted while describing topics " + topics, e);
    }
  }

  @Override
  public void kill(int id) {
    GenericContainer<?> node = node(id);
    node.getDockerClient().killContainerCmd(node.getContainerId()).withSignal("KILL").exec();
    log.info("Killed node {} (docker kill of {})", id, node.getContainerId());
  }

  @Override
  public void restart(int id) {
    GenericContainer<?> node = node(id);
    // The same container: its data survives, as after a machine crash. (Testcontainers follows the
    // logs of the first run only.)
    node.getDockerClient().startContainerCmd(node.getContainerId()).exec();
    awaitBroker(List.of(id));
    log.info("Node {} back", id);
  }

  @Override
  public void close() {
    if (admin != null) {
      admin.close(Duration.ofSeconds(2));
    }
    nodes.values().forEach(GenericContainer::stop);
    network.close();
  }

  /** Waits until each of {@code ids} is a registered, unfenced broker. */
  private void awaitBroker(Collection<Integer> ids) {
    await()
        .atMost(START_TIMEOUT)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () ->
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).stream()
                    .map(Node::id)
                    .collect(Collectors.toSet())
                    .containsAll(ids));
  }

  /** The container whose {@code KAFKA_NODE_ID} is {@code id}. */
  private GenericContainer<?> node(int id) {
    return nodes.values().stream()
        .filter(n -> String.valueOf(id).equals(n.getEnvMap().get("KAFKA_NODE_ID")))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("No node " + id + " in " + nodeIds()));
  }

  private static List<Integer> nodeIds() {
    List<Integer> ids = new ArrayList<>();
    for (int id = 1; id <= BROKERS; id++) {
      ids.add(id);
    }
    return ids;
  }

  private static String alias(int id) {
    return "kafka-" + id;
  }

  /**
   * The image's convention: {@code transaction.state.log.min.isr} → {@code
   * KAFKA_TRANSACTION_STATE_LOG_MIN_ISR}.
   */
  static String environmentName(String property) {
    return "KAFKA_"
        + property
            .replace("_", "__")
            .replace("-", "___")
            .replace('.', '_')
            .toUpperCase(Locale.ROOT);
  }
}
