package io.digitstream.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.internals.AppInfoParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Compose cannot run here, so this reads docker-compose.yml and checks it against what the apps
 * actually accept: a renamed flag, setting or topic breaks it.
 */
class DockerComposeTest {
  static JsonNode services;
  static JsonNode root;

  @BeforeAll
  static void readComposeFile() throws Exception {
    root =
        new ObjectMapper(new YAMLFactory())
            .readTree(Files.readString(Path.of("../docker-compose.yml")));
    services = root.get("services");
  }

  @Test
  void runsKafkaInKraftModeWithTheKafkaVersionWeBuildAgainst() {
    JsonNode kafka = services.get("kafka");
    assertThat(kafka.get("image").asText()).isEqualTo("apache/kafka:" + AppInfoParser.getVersion());
    assertThat(kafka.get("environment").get("KAFKA_PROCESS_ROLES").asText())
        .isEqualTo("broker,controller");
    assertThat(services.get("topics").get("image").asText()).isEqualTo(kafka.get("image").asText());
  }

  @Test
  void createsEveryTopicTheAppsUse() {
    List<String> created =
        Arrays.stream(
                services.get("topics").get("environment").get("TOPICS").asText().split("\\s+"))
            .map(entry -> entry.split(":")[0])
            .toList();
    List<String> used = new ArrayList<>(TopicNames.defaults().byRole().values());
    assertThat(used).contains(StreamsSettings.load(null, Map.of(), Map.of()).shadowTopic());
    assertThat(created).containsExactlyInAnyOrderElementsOf(used);
  }

  @Test
  void createsEachTopicByItsRolesSpec() {
    Map<String, String> created = createdTopics();
    JsonNode topics = services.get("topics");
    String partitions = topics.get("environment").get("PARTITIONS").asText();
    String script = topics.get("command").get(0).asText();
    StreamsSettings app = StreamsSettings.load(null, Map.of(), Map.of());
    assertThat(partitions).isEqualTo(String.valueOf(app.partitions()));
    assertThat(topics.get("environment").get("REPLICATION_FACTOR").asText())
        .as("the compose file's single broker takes what the apps choose for one broker")
        .isEqualTo(String.valueOf(Replication.choose(app.topicPlan(), 1).factor()));
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
  private static Map<String, String> createdTopics() {
    JsonNode environment = services.get("topics").get("environment");
    Map<String, String> created = new LinkedHashMap<>();
    for (String entry : environment.get("TOPICS").asText().trim().split("\\s+")) {
      String[] parts = entry.split(":", 2);
      created.put(parts[0], parts.length == 2 ? parts[1] : environment.get("PARTITIONS").asText());
    }
    return created;
  }

  @Test
  void runsTwoStreamsReplicasWithSettingsTheAppAccepts() {
    JsonNode app = services.get("streams-app");
    assertThat(app.get("deploy").get("replicas").asInt()).isEqualTo(2);
    assertThat(app.get("image").asText())
        .isEqualTo("digitstream/digitstream-streams-app:" + projectVersion());
    String[] args = strings(app.get("command"));
    new CommandLine(new StreamsCli()).parseArgs(args);

    StreamsSettings settings = StreamsSettings.load(null, env(app), Map.of());
    Map<String, String> env = env(app);
    assertThat(settings.kafka().getProperty("bootstrap.servers"))
        .isEqualTo(env.get("DIGITSTREAM_BOOTSTRAP_SERVERS"));
    assertThat(settings.kafka().getProperty("num.stream.threads"))
        .isEqualTo(env.get("DIGITSTREAM_NUM_STREAM_THREADS"));
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
    // The published container port is the one the app listens on.
    String mapping = app.get("ports").get(0).asText();
    assertThat(mapping).endsWith(":" + settings.http().port());
  }

  @Test
  void runsAProducerJobWithFlagsTheProducerAccepts() {
    JsonNode producer = services.get("producer");
    assertThat(producer.get("image").asText())
        .isEqualTo("digitstream/digitstream-producer:" + projectVersion());
    CommandLine.ParseResult parsed =
        new CommandLine(new ProducerCli()).parseArgs(strings(producer.get("command")));
    assertThat(parsed.errors()).isEmpty();
    Map<String, String> keys = Settings.fromEnvironment(env(producer));
    assertThat(keys).containsKeys("bootstrap.servers", DigitPublisher.CREATE_TOPICS);
    String dataDir = parsed.matchedOptionValue("--data", Path.of("")).toString();
    assertThat(producer.get("volumes").get(0).asText()).contains(":" + dataDir);
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
