package io.digitstream.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.config.ConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Settings are checked when the publisher is built, before anything is sent. */
class DigitPublisherSettingsTest {

  @Test
  void defaultsPointAtTheDemoBrokerWithAnIdempotentAcksAllProducer() {
    assertThat(DigitPublisher.defaultSettings())
        .containsEntry("bootstrap.servers", "127.0.0.1:9092")
        .containsEntry("acks", "all")
        .containsEntry("enable.idempotence", "true")
        .containsEntry(DigitPublisher.PARTITIONS, "4")
        .containsEntry(DigitPublisher.CREATE_TOPICS, "true");
  }

  @Test
  void buildsWithoutAReachableBrokerAndUsesTheConfiguredTopics() {
    try (DigitPublisher publisher =
        DigitPublisher.builder()
            .bootstrapServers("127.0.0.1:1")
            .setting("digitstream.topic.images", "my.images")
            .setting("digitstream.topic.labels", "my.labels")
            .build()) {
      assertThat(publisher.topics().images().name()).isEqualTo("my.images");
      assertThat(publisher.topics().labels().name()).isEqualTo("my.labels");
    }
  }

  @Test
  void refusesSettingsThatWouldLetARecordGoUnacknowledged() {
    assertThatThrownBy(() -> DigitPublisher.builder().setting("acks", "1").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("acks")
        .hasMessageContaining("all");
    assertThatThrownBy(
            () -> DigitPublisher.builder().setting("enable.idempotence", "false").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("enable.idempotence");
  }

  @Test
  void namesTheKeyOfAnInvalidDigitstreamSetting() {
    assertThatThrownBy(
            () -> DigitPublisher.builder().setting(DigitPublisher.PARTITIONS, "0").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(DigitPublisher.PARTITIONS);
    assertThatThrownBy(
            () ->
                DigitPublisher.builder()
                    .setting(DigitPublisher.REPLICATION_FACTOR, "three")
                    .build())
        .hasMessageContaining(DigitPublisher.REPLICATION_FACTOR);
    assertThatThrownBy(
            () -> DigitPublisher.builder().setting(DigitPublisher.CREATE_TOPICS, "yes").build())
        .hasMessageContaining(DigitPublisher.CREATE_TOPICS);
    assertThatThrownBy(
            () -> DigitPublisher.builder().setting("digitstream.topic.images", "bad name!").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("digitstream.topic.images");
  }

  @Test
  void anInvalidKafkaSettingIsAConfigErrorNamingIt() {
    assertThatThrownBy(() -> DigitPublisher.builder().setting("linger.ms", "soon").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("linger.ms");
    assertThatThrownBy(() -> DigitPublisher.builder().bootstrapServers("no-port-here").build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("bootstrap.servers");
  }

  @Test
  void errorsAboutSecretSettingsNeverShowTheSecret() {
    assertThatThrownBy(
            () ->
                DigitPublisher.builder()
                    .setting("security.protocol", "SASL_PLAINTEXT")
                    .setting("sasl.mechanism", "PLAIN")
                    .setting("sasl.jaas.config", "not a login module password=\"hunter2-xyz\"")
                    .build())
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2-xyz"));
  }

  @Test
  void rateAndLabelDelayMustBeSensible() {
    assertThatThrownBy(() -> DigitPublisher.builder().rate(-1)).isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> DigitPublisher.builder().rate(Double.NaN))
        .isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> DigitPublisher.builder().labelDelay(Duration.ofSeconds(-1)))
        .isInstanceOf(ConfigException.class);
  }
}
