package io.digitstream.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
  @TempDir Path dir;

  @Test
  void layersDefaultsFileEnvironmentAndOverridesInThatOrder() throws Exception {
    Path file = dir.resolve("app.properties");
    Files.writeString(file, "bootstrap.servers=file:9092\nacks=1\nlinger.ms=5\n");
    Properties p =
        Settings.load(
            Map.of("acks", "all", "client.id", "default"),
            file,
            Map.of(
                "DIGITSTREAM_LINGER_MS",
                "7",
                "DIGITSTREAM_TOPIC_IMAGES",
                "env.images",
                "DIGITSTREAM_BATCH_MAX_SIZE",
                "8",
                "HOME",
                "/root"),
            Settings.parsePairs(List.of("bootstrap.servers=cli:9092")));
    assertThat(p.getProperty("client.id")).isEqualTo("default");
    assertThat(p.getProperty("acks")).isEqualTo("1");
    assertThat(p.getProperty("linger.ms")).isEqualTo("7");
    assertThat(p.getProperty("bootstrap.servers")).isEqualTo("cli:9092");
    assertThat(p.getProperty("digitstream.topic.images")).isEqualTo("env.images");
    assertThat(p.getProperty("digitstream.batch.max.size")).isEqualTo("8");
    assertThat(p.getProperty("home")).isNull();
  }

  @Test
  void neverPrintsSecrets() {
    Properties p = new Properties();
    p.setProperty("sasl.jaas.config", "PlainLoginModule required password=\"s3cret\";");
    p.setProperty("ssl.truststore.password", "changeit");
    p.setProperty("ssl.keystore.key", "-----BEGIN PRIVATE KEY-----");
    p.setProperty("bootstrap.servers", "b:9092");
    String text = Settings.describe(p);
    assertThat(text)
        .doesNotContain("s3cret")
        .doesNotContain("changeit")
        .doesNotContain("BEGIN")
        .contains("bootstrap.servers=b:9092");
    assertThatThrownBy(() -> Settings.intValue(p, "ssl.truststore.password", 0, 1))
        .hasMessageNotContaining("changeit");
  }

  @Test
  void namesTheKeyAndTheExpectedValue() {
    Properties p = new Properties();
    p.setProperty("digitstream.batch.max.size", "lots");
    assertThatThrownBy(() -> Settings.intValue(p, "digitstream.batch.max.size", 1, 4096))
        .hasMessage(
            "Invalid value 'lots' for digitstream.batch.max.size: expected an integer between 1 and 4096");
    assertThatThrownBy(() -> Settings.parsePairs(List.of("novalue")))
        .hasMessageContaining("expected key=value");
    assertThatThrownBy(
            () -> Settings.load(Map.of(), dir.resolve("absent.properties"), Map.of(), Map.of()))
        .hasMessageContaining("absent.properties does not exist");
  }
}
