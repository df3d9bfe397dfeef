package io.digitstream.topic;

import java.util.Optional;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Every topic digitstream reads or writes, each with the setting that names it, its default name
 * and its {@link TopicSpec}. {@link TopicNames} resolves the names, {@link Topics} pairs them with
 * serdes, {@link TopicProvisioner} creates and checks them.
 */
public enum TopicRole {
  /** Images to score; keyed by image id. */
  IMAGES(TopicNames.PREFIX + "images", "digits.images", TopicSpec.withImages()),
  /** True labels; keyed by image id. */
  LABELS(TopicNames.PREFIX + "labels", "digits.labels", TopicSpec.withImages()),
  /** The active model's predictions; keyed by image id. */
  PREDICTIONS(TopicNames.PREFIX + "predictions", "digits.predictions", TopicSpec.withImages()),
  /** A shadow model's predictions; keyed by image id, named by a streams-app setting. */
  SHADOW_PREDICTIONS(
      "digitstream.shadow.topic", "digits.predictions.shadow", TopicSpec.withImages()),
  /** Images that could not be scored, original key and value bytes. */
  DLQ(TopicNames.PREFIX + "dlq", "digits.images.dlq", TopicSpec.configured(null)),
  /** Accuracy windows: the latest per version and window is kept, old windows age out. */
  ACCURACY(
      TopicNames.PREFIX + "accuracy",
      "digits.accuracy",
      TopicSpec.configured(
          TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE)),
  /** Model announcements: few, in order, the latest per role kept for ever. */
  MODELS(
      TopicNames.PREFIX + "models",
      "digits.models",
      TopicSpec.single(TopicConfig.CLEANUP_POLICY_COMPACT)),
  /** Alert states: keyed by model version and alert kind, the latest state kept for ever. */
  ALERTS(
      TopicNames.PREFIX + "alerts",
      "digits.alerts",
      TopicSpec.configured(TopicConfig.CLEANUP_POLICY_COMPACT));

  private final String settingsKey;
  private final String defaultName;
  private final TopicSpec spec;

  TopicRole(String settingsKey, String defaultName, TopicSpec spec) {
    this.settingsKey = settingsKey;
    this.defaultName = defaultName;
    this.spec = spec;
  }

  /** The setting that names the topic, e.g. {@code digitstream.topic.images}. */
  public String settingsKey() {
    return settingsKey;
  }

  public String defaultName() {
    return defaultName;
  }

  public TopicSpec spec() {
    return spec;
  }

  /** The role that {@code key} names, if it is one of the {@link #settingsKey()}s. */
  public static Optional<TopicRole> forSettingsKey(String key) {
    for (TopicRole role : values()) {
      if (role.settingsKey.equals(key)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
