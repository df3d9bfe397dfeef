package io.digitstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.model.ModelBundle;
import io.digitstream.record.Codec;
import io.digitstream.record.ModelAnnouncement;
import io.digitstream.testkit.CliRun;
import io.digitstream.testkit.EmbeddedKafkaExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code publish-model} against a real broker in this JVM. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublishModelCommandTest {
  private static final Path BUNDLE = Path.of("../streams-app/src/test/resources/model-b");

  @RegisterExtension static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.create();

  @TempDir Path dir;

  @Test
  void signsTheBundleBeforeAnnouncingItWithSignKey() throws Exception {
    String topic = "models-" + UUID.randomUUID().toString().substring(0, 8);
    Path keys = dir.resolve("keys");
    io.digitstream.model.ModelKeys.generate(keys);
    Path copy = SignModelCommandTest.copy(BUNDLE, dir.resolve("signed-b"));

    CliRun run =
        Trainer.run(
            "publish-model",
            copy.toString(),
            "--sign-key",
            keys.resolve(io.digitstream.model.ModelKeys.PRIVATE_FILE).toString(),
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--topic",
            topic);

    assertThat(run.exitCode()).as(run.err()).isZero();
    io.digitstream.model.BundleSignature.verify(
        ModelBundle.open(copy),
        List.of(
            io.digitstream.model.ModelKeys.readPublic(
                keys.resolve(io.digitstream.model.ModelKeys.PUBLIC_FILE))));
    assertThat(read(topic, 1)).hasSize(1);
  }

  @Test
  void announcesTheBundlesVersionAbsoluteLocationAndChecksumOnACompactedTopic() throws Exception {
    String topic = "models-" + UUID.randomUUID().toString().substring(0, 8);
    ModelBundle bundle = ModelBundle.open(BUNDLE);

    CliRun run =
        Trainer.run(
            "publish-model",
            BUNDLE.toString(),
            "--bootstrap-servers",
            kafka.bootstrapServers(),
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
    try (Admin admin = kafka.clients().admin()) {
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
        Trainer.run(
            "publish-model",
            BUNDLE.toString(),
            "--role",
            "shadow",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--topic",
            topic);
    assertThat(shadow.exitCode()).as(shadow.err()).isZero();
    CliRun retire =
        Trainer.run(
            "publish-model",
            "--retire-shadow",
            bundle.version(),
            "--bootstrap-servers",
            kafka.bootstrapServers(),
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
    CliRun run = Trainer.run("publish-model", BUNDLE.toString(), "--role", "canary");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--role must be active or shadow, got 'canary'");
  }

  @Test
  void namesABadKafkaSettingInOneLine() {
    CliRun run =
        Trainer.run(
            "publish-model",
            BUNDLE.toString(),
            "--bootstrap-servers",
            kafka.bootstrapServers(),
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
        Trainer.run(
            "publish-model", corrupt.toString(), "--bootstrap-servers", kafka.bootstrapServers());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("is corrupt or was replaced");
  }

  private List<ConsumerRecord<String, byte[]>> read(String topic, int expected) {
    return kafka.clients().readCommitted(topic, expected, Duration.ofSeconds(30), Duration.ZERO);
  }
}
