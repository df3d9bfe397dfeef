package io.digitstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.broker.EmbeddedKafkaBroker;
import io.digitstream.model.ModelBundle;
import io.digitstream.record.Codec;
import io.digitstream.record.ModelAnnouncement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code publish-model} against a real broker in this JVM. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublishModelCommandTest {
  private static final Path BUNDLE = Path.of("../streams-app/src/test/resources/model-b");
  private EmbeddedKafkaBroker broker;
  @TempDir Path dir;

  @BeforeAll
  void startBroker() {
    broker = EmbeddedKafkaBroker.builder().build().start();
  }

  @AfterAll
  void closeBroker() {
    broker.close();
  }

  @Test
  void announcesTheBundlesVersionAbsoluteLocationAndChecksumOnACompactedTopic() throws Exception {
    String topic = "models-" + UUID.randomUUID().toString().substring(0, 8);
    ModelBundle bundle = ModelBundle.open(BUNDLE);

    CliRun run =
        CliRun.of(
            "publish-model",
            BUNDLE.toString(),
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "--topic",
            topic);

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("Announced model " + bundle.version() + " (role active)");
    List<ConsumerRecord<String, byte[]>> records = read(topic, 1);
    assertThat(records).hasSize(1);
    assertThat(records.get(0).key()).isEqualTo("active");
    ModelAnnouncement announced = Codec.modelAnnouncements().decode(records.get(0).value());
    assertThat(announced.version()).isEqualTo(bundle.version());
    assertThat(announced.sha256()).isEqualTo(bundle.metadata().networkSha256());
    assertThat(Path.of(announced.location())).isAbsolute();
    assertThat(Path.of(announced.location())).isEqualTo(BUNDLE.toAbsolutePath().normalize());
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
      assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
    }
  }

  @Test
  void announcesAShadowAndRetiresIt() {
    String topic = "models-" + UUID.randomUUID().toString().substring(0, 8);
    ModelBundle bundle = ModelBundle.open(BUNDLE);

    CliRun shadow =
        CliRun.of(
            "publish-model",
            BUNDLE.toString(),
            "--role",
            "shadow",
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "--topic",
            topic);
    assertThat(shadow.exitCode()).as(shadow.err()).isZero();
    CliRun retire =
        CliRun.of(
            "publish-model",
            "--retire-shadow",
            bundle.version(),
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "--topic",
            topic);
    assertThat(retire.exitCode()).as(retire.err()).isZero();
    assertThat(retire.out()).contains("Retired shadow model " + bundle.version());

    List<ModelAnnouncement> announced = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : read(topic, 2)) {
      assertThat(r.key()).isEqualTo("shadow");
      announced.add(Codec.modelAnnouncements().decode(r.value()));
    }
    assertThat(announced).extracting(ModelAnnouncement::retire).containsExactly(false, true);
    assertThat(announced.get(0).role()).isEqualTo("shadow");
  }

  @Test
  void refusesAnUnknownRoleBeforeTouchingKafka() {
    CliRun run = CliRun.of("publish-model", BUNDLE.toString(), "--role", "canary");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--role must be active or shadow, got 'canary'");
  }

  @Test
  void namesABadKafkaSettingInOneLine() {
    CliRun run =
        CliRun.of(
            "publish-model",
            BUNDLE.toString(),
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "-X",
            "linger.ms=soon");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("error: ").contains("linger.ms").doesNotContain("\tat io.");
  }

  @Test
  void refusesToAnnounceACorruptBundle() throws Exception {
    Path corrupt = Files.createDirectories(dir.resolve("corrupt"));
    Files.copy(BUNDLE.resolve("bundle.json"), corrupt.resolve("bundle.json"));
    Files.writeString(corrupt.resolve("network.zip"), "truncated");

    CliRun run =
        CliRun.of(
            "publish-model", corrupt.toString(), "--bootstrap-servers", broker.bootstrapServers());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("is corrupt or was replaced");
  }

  private List<ConsumerRecord<String, byte[]>> read(String topic, int expected) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                "bootstrap.servers",
                broker.bootstrapServers(),
                "group.id",
                "reader-" + UUID.randomUUID(),
                "auto.offset.reset",
                "earliest"),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }
}
