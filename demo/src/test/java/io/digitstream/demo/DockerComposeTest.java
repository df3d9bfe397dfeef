package io.digitstream.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.digitstream.config.Settings;
import io.digitstream.producer.DigitPublisher;
import io.digitstream.producer.ProducerCli;
import io.digitstream.streams.StreamsCli;
import io.digitstream.streams.StreamsSettings;
import io.digitstream.topic.Replication;
import io.digitstream.topic.TopicNames;
import io.digitstream.topic.TopicRole;
import io.digitstream.topic.TopicSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.utils.internals.AppInfoParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * Compose cannot run here, so this reads docker-compose.yml and checks it against what the apps
 * actually accept: a renamed flag, setting or topic breaks it. Each stack is checked the same way:
 * the default one (services without a profile) and the three-broker {@code cluster} profile.
 */
class DockerComposeTest {
  private static final Pattern INTERNAL = Pattern.compile("INTERNAL://([^:,]*):(\\d+)");
  private static final Pattern EXTERNAL = Pattern.compile("EXTERNAL://([^:,]*):(\\d+)");
  private static final Pattern CONTROLLER = Pattern.compile("CONTROLLER://[^:,]*:(\\d+)");

  static JsonNode services;

  /** A stack of the compose file: the services of one profile, and what it must run. */
  enum Stack {
    SINGLE_BROKER(null, 1, 2),
    CLUSTER("cluster", 3, 3);

    final String profile;
    final int brokers;
    final int appReplicas;

    Stack(String profile, int brokers, int appReplicas) {
      this.profile = profile;
      this.brokers = brokers;
      this.appReplicas = appReplicas;
    }

    /** Service name to definition, for the services this stack runs. */
    Map<String, JsonNode> services() {
      Map<String, JsonNode> out = new LinkedHashMap<>();
      services
          .fields()
          .forEachRemaining(
              e -> {
                Set<String> profiles = new HashSet<>();
                e.getValue().path("profiles").forEach(p -> profiles.add(p.asText()));
                boolean in = profile == null ? profiles.isEmpty() : profiles.contains(profile);
                if (in) {
                  out.put(e.getKey(), e.getValue());
                }
              });
      return out;
    }

    Map<String, JsonNode> brokerServices() {
      return select(s -> s.path("environment").has("KAFKA_PROCESS_ROLES"));
    }

    JsonNode topicsJob() {
      return only(select(s -> s.path("environment").has("TOPICS")));
    }

    JsonNode app() {
      return only(select(s -> s.path("image").asText().contains("/digitstream-streams-app:")));
    }

    JsonNode producer() {
      return only(select(s -> s.path("image").asText().contains("/digitstream-producer:")));
    }

    /** What the apps choose for their topics on this stack's brokers. */
    Replication replication() {
      return Replication.choose(
          StreamsSettings.load(null, Map.of(), Map.of()).topicPlan(), brokerServices().size());
    }

    /** The bootstrap list naming every broker of the stack on its inter-broker listener. */
    Set<String> internalListeners() {
      Set<String> out = new HashSet<>();
      brokerServices()
          .values()
          .forEach(
              b ->
                  out.add(
                      match(INTERNAL, env(b).get("KAFKA_ADVERTISED_LISTENERS"), 0)
                          .replace("INTERNAL://", "")));
      return out;
    }

    private Map<String, JsonNode> select(Predicate<JsonNode> which) {
      Map<String, JsonNode> out = new LinkedHashMap<>();
      services()
          .forEach(
              (name, s) -> {
                if (which.test(s)) {
                  out.put(name, s);
                }
              });
      return out;
    }

    private JsonNode only(Map<String, JsonNode> found) {
      assertThat(found).as(name() + ": " + found.keySet()).hasSize(1);
      return found.values().iterator().next();
    }
  }

  @BeforeAll
  static void readComposeFile() throws Exception {
    // SnakeYAML resolves anchors and "<<" merge keys, as compose does.
    Object yaml = new Yaml().load(Files.readString(Path.of("../docker-compose.yml")));
    services = new ObjectMapper().valueToTree(yaml).get("services");
  }

  @ParameterizedTest
  @EnumSource(Stack.class)
  void runsKafkaInKraftModeWithTheKafkaVersionWeBuildAgainst(Stack stack) {
    Map<String, JsonNode> brokers = stack.brokerServices();
    assertThat(brokers).as("brokers").hasSize(stack.brokers);
    Set<String> voters = new HashSet<>();
    Set<String> nodeIds = new HashSet<>();
    Set<String> clusterIds = new HashSet<>();
    for (Map.Entry<String, JsonNode> broker : brokers.entrySet()) {
      JsonNode service = broker.getValue();
      Map<String, String> env = env(service);
      assertThat(service.get("image").asText())
          .isEqualTo("apache/kafka:" + AppInfoParser.getVersion());
      assertThat(env.get("KAFKA_PROCESS_ROLES")).isEqualTo("broker,controller");
      String hostname = service.get("hostname").asText();
      assertThat(hostname).isEqualTo(broker.getKey());
      nodeIds.add(env.get("KAFKA_NODE_ID"));
      clusterIds.add(String.valueOf(env.get("CLUSTER_ID")));
      voters.add(
          env.get("KAFKA_NODE_ID")
              + "@"
              + hostname
              + ":"
              + match(CONTROLLER, env.get("KAFKA_LISTENERS"), 1));
      // Other containers reach the broker by its name; the host by the published port.
      String advertised = env.get("KAFKA_ADVERTISED_LISTENERS");
      assertThat(match(INTERNAL, advertised, 1)).isEqualTo(hostname);
      assertThat(match(INTERNAL, advertised, 2))
          .isEqualTo(match(INTERNAL, env.get("KAFKA_LISTENERS"), 2));
      String external = match(EXTERNAL, advertised, 1) + ":" + match(EXTERNAL, advertised, 2);
      assertThat(service.get("ports").get(0).asText())
          .isEqualTo(external + ":" + match(EXTERNAL, env.get("KAFKA_LISTENERS"), 2));
      assertThat(service.get("healthcheck").get("test").toString()).contains("--bootstrap-server");
    }
    assertThat(nodeIds).as("distinct node ids").hasSize(stack.brokers);
    assertThat(clusterIds).as("one cluster id for all brokers").hasSize(1);
    for (JsonNode broker : brokers.values()) {
      // Every broker names the same quorum, and the quorum is every broker.
      assertThat(Set.of(env(broker).get("KAFKA_CONTROLLER_QUORUM_VOTERS").split(",")))
          .isEqualTo(voters);
    }
    assertThat(stack.topicsJob().get("image").asText())
        .isEqualTo(brokers.values().iterator().next().get("image").asText());
  }

  @ParameterizedTest
  @EnumSource(Stack.class)
  void replicatesKafkasInternalTopicsAsTheAppsReplicateTheirs(Stack stack) {
    Replication replication = stack.replication();
    assertThat((int) replication.factor()).isEqualTo(Math.min(3, stack.brokers));
    String factor = String.valueOf(replication.factor());
    String minInsync = String.valueOf(replication.minInsync());
    for (Map.Entry<String, JsonNode> broker : stack.brokerServices().entrySet()) {
      Map<String, String> env = env(broker.getValue());
      for (String key :
          List.of(
              "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
              "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
              "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR")) {
        assertThat(env.get(key)).as(broker.getKey() + " " + key).isEqualTo(factor);
      }
      for (String key :
          List.of(
              "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
              "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR")) {
        assertThat(env.get(key)).as(broker.getKey() + " " + key).isEqualTo(minInsync);
      }
      // Broker defaults, where set, agree: a topic created by hand gets the same.
      assertThat(env.getOrDefault("KAFKA_DEFAULT_REPLICATION_FACTOR", "1"))
          .as(broker.getKey() + " default.replication.factor")
          .isEqualTo(factor);
      assertThat(env.getOrDefault("KAFKA_MIN_INSYNC_REPLICAS", "1"))
          .as(broker.getKey() + " min.insync.replicas")
          .isEqualTo(minInsync);
    }
  }

  @ParameterizedTest
  @EnumSource(Stack.class)
  void createsEveryTopicTheAppsUse(Stack stack) {
    List<String> created =
        Arrays.stream(env(stack.topicsJob()).get("TOPICS").split("\\s+"))
            .map(entry -> entry.split(":")[0])
            .toList();
    List<String> used = new ArrayList<>(TopicNames.defaults().byRole().values());
    assertThat(used).contains(StreamsSettings.load(null, Map.of(), Map.of()).shadowTopic());
    assertThat(created).containsExactlyInAnyOrderElementsOf(used);
  }

  @ParameterizedTest
  @EnumSource(Stack.class)
  void createsEachTopicByItsRolesSpec(Stack stack) {
    JsonNode topics = stack.topicsJob();
    Map<String, String> env = env(topics);
    Map<String, String> created = createdTopics(env);
    String partitions = env.get("PARTITIONS");
    String script = topics.get("command").get(0).asText();
    StreamsSettings app = StreamsSettings.load(null, env(stack.app()), Map.of());
    assertThat(partitions).isEqualTo(String.valueOf(app.partitions()));
    Replication replication = stack.replication();
    assertThat(env.get("REPLICATION_FACTOR"))
        .as("the stack's brokers take what the apps choose for " + stack.brokers)
        .isEqualTo(String.valueOf(replication.factor()));
    assertThat(env.get("MIN_INSYNC_REPLICAS")).isEqualTo(String.valueOf(replication.minInsync()));
    assertThat(script)
        .contains("--replication-factor \"$$REPLICATION_FACTOR\"")
        .contains("--config min.insync.replicas=\"$$MIN_INSYNC_REPLICAS\"")
        .contains("--bootstrap-server \"$$BOOTSTRAP\"");
    assertThat(Set.of(env.get("BOOTSTRAP").split(","))).isEqualTo(stack.internalListeners());
    for (String broker : stack.brokerServices().keySet()) {
      assertThat(topics.get("depends_on").get(broker).get("condition").asText())
          .as("waits for " + broker)
          .isEqualTo("service_healthy");
    }
    for (TopicRole role : TopicRole.values()) {
      String name = role.defaultName();
      String expected = role.spec().partitions() == TopicSpec.PartitionRule.ONE ? "1" : partitions;
      assertThat(created.get(name)).as(name).isEqualTo(expected);
      role.spec()
          .cleanupPolicy()
          .ifPresent(
              policy ->
                  assertThat(script)
                      .as(name)
                      .contains(
                          "--entity-name "
                              + name
                              + " --add-config cleanup.policy="
                              + (policy.contains(",") ? "[" + policy + "]" : policy)));
    }
  }

  /** Topic to partition count, from the {@code <topic>[:<partitions>]} list of the job. */
  private static Map<String, String> createdTopics(Map<String, String> environment) {
    Map<String, String> created = new LinkedHashMap<>();
    for (String entry : environment.get("TOPICS").trim().split("\\s+")) {
      String[] parts = entry.split(":", 2);
      created.put(parts[0], parts.length == 2 ? parts[1] : environment.get("PARTITIONS"));
    }
    return created;
  }

  @ParameterizedTest
  @EnumSource(Stack.class)
  void runsStreamsReplicasWithSettingsTheAppAccepts(Stack stack) {
    JsonNode app = stack.app();
    assertThat(app.get("deploy").get("replicas").asInt()).isEqualTo(stack.appReplicas);
    assertThat(app.get("image").asText())
        .isEqualTo("digitstream/digitstream-streams-app:" + projectVersion());
    String[] args = strings(app.get("command"));
    new CommandLine(new StreamsCli()).parseArgs(args);

    StreamsSettings settings = StreamsSettings.load(null, env(app), Map.of());
    Map<String, String> env = env(app);
    String bootstrap = settings.kafka().getProperty("bootstrap.servers");
    assertThat(bootstrap).isEqualTo(env.get("DIGITSTREAM_BOOTSTRAP_SERVERS"));
    assertThat(Set.of(bootstrap.split(","))).isEqualTo(stack.internalListeners());
    String threads = settings.kafka().getProperty("num.stream.threads");
    assertThat(threads).isEqualTo(env.get("DIGITSTREAM_NUM_STREAM_THREADS"));
    assertThat(stack.appReplicas * Integer.parseInt(threads))
        .as("busy stream threads at most: partitions of the images topic")
        .isLessThanOrEqualTo(settings.partitions());
    assertThat(settings.kafka().getProperty("state.dir"))
        .isEqualTo(env.get("DIGITSTREAM_STATE_DIR"));
    assertThat(settings.http().host()).isEqualTo("0.0.0.0");
    assertThat(String.valueOf(settings.http().port())).isEqualTo(env.get("DIGITSTREAM_HTTP_PORT"));
    assertThat(settings.model()).isEqualTo(Path.of(env.get("DIGITSTREAM_MODEL")));
    assertThat(settings.createTopics()).isFalse();
    // Every variable lands on a key the app reads, not on an ignored one.
    for (String key : Settings.fromEnvironment(env).keySet()) {
      boolean kafkaKey = !key.startsWith("digitstream.") && settings.kafka().containsKey(key);
      boolean ownKey = key.startsWith("digitstream.");
      assertThat(kafkaKey || ownKey).as(key).isTrue();
    }
    // The published container port is the one the app listens on, one host port per replica.
    Matcher mapping =
        Pattern.compile("127\\.0\\.0\\.1:(\\d+)-(\\d+):(\\d+)")
            .matcher(app.get("ports").get(0).asText());
    assertThat(mapping.matches()).as(app.get("ports").get(0).asText()).isTrue();
    assertThat(mapping.group(3)).isEqualTo(String.valueOf(settings.http().port()));
    assertThat(Integer.parseInt(mapping.group(2)) - Integer.parseInt(mapping.group(1)) + 1)
        .isEqualTo(stack.appReplicas);
  }

  @ParameterizedTest
  @EnumSource(Stack.class)
  void runsAProducerJobWithFlagsTheProducerAccepts(Stack stack) {
    JsonNode producer = stack.producer();
    assertThat(producer.get("image").asText())
        .isEqualTo("digitstream/digitstream-producer:" + projectVersion());
    CommandLine.ParseResult parsed =
        new CommandLine(new ProducerCli()).parseArgs(strings(producer.get("command")));
    assertThat(parsed.errors()).isEmpty();
    Map<String, String> keys = Settings.fromEnvironment(env(producer));
    assertThat(keys).containsKeys("bootstrap.servers", DigitPublisher.CREATE_TOPICS);
    assertThat(Set.of(keys.get("bootstrap.servers").split(",")))
        .isEqualTo(stack.internalListeners());
    String dataDir = parsed.matchedOptionValue("--data", Path.of("")).toString();
    assertThat(producer.get("volumes").get(0).asText()).contains(":" + dataDir);
  }

  @ParameterizedTest
  @EnumSource(Stack.class)
  void dependsOnlyOnServicesOfTheSameStack(Stack stack) {
    Set<String> own = stack.services().keySet();
    stack
        .services()
        .forEach(
            (name, service) ->
                service
                    .path("depends_on")
                    .fieldNames()
                    .forEachRemaining(
                        dependency ->
                            assertThat(own).as(name + " -> " + dependency).contains(dependency)));
  }

  private static String match(Pattern pattern, String text, int group) {
    Matcher m = pattern.matcher(String.valueOf(text));
    assertThat(m.find()).as(pattern + " in " + text).isTrue();
    return m.group(group);
  }

  private static Map<String, String> env(JsonNode service) {
    Map<String, String> env = new LinkedHashMap<>();
    service
        .get("environment")
        .fields()
        .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    return env;
  }

  private static String[] strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out.toArray(String[]::new);
  }

  private static String projectVersion() {
    try {
      String pom = Files.readString(Path.of("pom.xml"));
      int parent = pom.indexOf("<parent>");
      int start = pom.indexOf("<version>", parent) + "<version>".length();
      return pom.substring(start, pom.indexOf("</version>", start));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
