package io.digitstream.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.config.ConfigException;
import io.digitstream.topic.TopicSpec.PartitionRule;
import java.util.Arrays;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class TopicRoleTest {
  @Test
  void modelAnnouncementsKeepTheirOrderInOneCompactedPartition() {
    TopicSpec models = TopicRole.MODELS.spec();
    assertThat(models.partitions()).isEqualTo(PartitionRule.ONE);
    assertThat(models.cleanupPolicy()).contains("compact");
    assertThat(models.coPartitionedWithImages()).isFalse();
  }

  @Test
  void accuracyWindowsAreCompactedAndAgeOut() {
    TopicSpec accuracy = TopicRole.ACCURACY.spec();
    assertThat(accuracy.partitions()).isEqualTo(PartitionRule.CONFIGURED);
    assertThat(accuracy.configs())
        .containsExactly(java.util.Map.entry("cleanup.policy", "compact,delete"));
  }

  @Test
  void alertsAreCompactedAndKeptForEver() {
    TopicSpec alerts = TopicRole.ALERTS.spec();
    assertThat(alerts.partitions()).isEqualTo(PartitionRule.CONFIGURED);
    assertThat(alerts.configs()).containsExactly(java.util.Map.entry("cleanup.policy", "compact"));
  }

  @Test
  void everyImageKeyedTopicIsCoPartitionedWithTheImages() {
    assertThat(Arrays.stream(TopicRole.values()).filter(r -> r.spec().coPartitionedWithImages()))
        .containsExactly(
            TopicRole.IMAGES,
            TopicRole.LABELS,
            TopicRole.PREDICTIONS,
            TopicRole.SHADOW_PREDICTIONS);
    assertThat(TopicRole.DLQ.spec().partitions()).isEqualTo(PartitionRule.CONFIGURED);
    assertThat(TopicRole.DLQ.spec().cleanupPolicy()).isEmpty();
  }

  @Test
  void eachRoleIsNamedByItsOwnSetting() {
    assertThat(Arrays.stream(TopicRole.values()).map(TopicRole::settingsKey))
        .containsExactly(
            "digitstream.topic.images",
            "digitstream.topic.labels",
            "digitstream.topic.predictions",
            "digitstream.shadow.topic",
            "digitstream.topic.dlq",
            "digitstream.topic.accuracy",
            "digitstream.topic.models",
            "digitstream.topic.alerts");
    for (TopicRole role : TopicRole.values()) {
      assertThat(TopicRole.forSettingsKey(role.settingsKey())).contains(role);
    }
    assertThat(TopicRole.forSettingsKey("digitstream.topic.unknown")).isEmpty();
  }

  @Test
  void namesComeFromTheSettingsOrTheDefaults() {
    Properties props = new Properties();
    props.setProperty("digitstream.topic.images", "prod.images");
    props.setProperty("digitstream.shadow.topic", "prod.shadow");

    TopicNames names = TopicNames.from(props);

    assertThat(names.images()).isEqualTo("prod.images");
    assertThat(names.shadowPredictions()).isEqualTo("prod.shadow");
    assertThat(names.name(TopicRole.SHADOW_PREDICTIONS)).isEqualTo("prod.shadow");
    assertThat(names.labels()).isEqualTo("digits.labels");
    assertThat(names.byRole()).containsKeys(TopicRole.values());
    assertThat(TopicNames.defaults().byRole().values())
        .containsExactly(
            "digits.images",
            "digits.labels",
            "digits.predictions",
            "digits.predictions.shadow",
            "digits.images.dlq",
            "digits.accuracy",
            "digits.models",
            "digits.alerts");
  }

  @Test
  void aBadNameIsRefusedNamingItsSetting() {
    Properties props = new Properties();
    props.setProperty("digitstream.shadow.topic", "no spaces");

    assertThatThrownBy(() -> TopicNames.from(props))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("digitstream.shadow.topic");
  }
}
