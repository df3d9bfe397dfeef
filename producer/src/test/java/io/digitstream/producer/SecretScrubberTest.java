package io.digitstream.producer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class SecretScrubberTest {

  private static Properties secrets() {
    Properties props = new Properties();
    props.setProperty("bootstrap.servers", "kafka:9093");
    props.setProperty(
        "sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required"
            + " username=\"alice\" password=\"s3cret-pw\";");
    props.setProperty("ssl.keystore.key", "-----BEGIN PRIVATE KEY-----MIIEvQ");
    props.setProperty("ssl.truststore.password", "trustme");
    return props;
  }

  @Test
  void hidesSecretValuesAndThePasswordsInsideAJaasLine() {
    SecretScrubber scrubber = SecretScrubber.of(secrets());

    String scrubbed =
        scrubber.scrub(
            "login failed for password s3cret-pw with trustme; key -----BEGIN PRIVATE KEY-----MIIEvQ");

    assertThat(scrubbed)
        .doesNotContain("s3cret-pw")
        .doesNotContain("trustme")
        .doesNotContain("MIIEvQ")
        .contains("[hidden]");
  }

  @Test
  void treatsKafkaPasswordSettingsAsSecretEvenWhenTheirNameDoesNotSaySo() {
    assertThat(SecretScrubber.isSecret("ssl.keystore.key")).isTrue();
    assertThat(SecretScrubber.isSecret("sasl.jaas.config")).isTrue();
    assertThat(SecretScrubber.isSecret("bootstrap.servers")).isFalse();
    assertThat(SecretScrubber.isSecret("linger.ms")).isFalse();
  }

  @Test
  void describedSettingsShowEveryKeyButNoSecretValue() {
    String described = SecretScrubber.describeSettings(secrets());

    assertThat(described)
        .contains("bootstrap.servers=kafka:9093")
        .contains("sasl.jaas.config=[hidden]")
        .contains("ssl.keystore.key=[hidden]")
        .doesNotContain("s3cret-pw")
        .doesNotContain("BEGIN PRIVATE KEY");
  }
}
