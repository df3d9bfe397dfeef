package io.digitstream.topic;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.common.config.TopicConfig;

/**
 * How a topic of one role must be made: its partition count and the topic configs it is created
 * with. Replication is the same rule for every role, so it lives in the {@link TopicPlan}.
 *
 * @param partitions where the partition count comes from
 * @param configs topic configs it is created with, e.g. {@code cleanup.policy=compact}
 */
public record TopicSpec(PartitionRule partitions, Map<String, String> configs) {

  /** Where a topic's partition count comes from. */
  public enum PartitionRule {
    /**
     * Keyed by image id, so co-partitioned with the images topic: every such topic has the images
     * topic's count (the configured count when none exists yet), so that an image, its label and
     * its predictions meet in the task of the same partition number.
     */
    WITH_IMAGES,
    /** The configured count ({@value TopicPlan#PARTITIONS}), or the broker's default. */
    CONFIGURED,
    /** Exactly one partition, whatever is configured: for records whose order is global. */
    ONE
  }

  public TopicSpec {
    Objects.requireNonNull(partitions, "partitions");
    configs = Map.copyOf(configs);
  }

  static TopicSpec withImages() {
    return new TopicSpec(PartitionRule.WITH_IMAGES, Map.of());
  }

  static TopicSpec configured(String cleanupPolicy) {
    return new TopicSpec(
        PartitionRule.CONFIGURED,
        cleanupPolicy == null
            ? Map.of()
            : Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, cleanupPolicy));
  }

  static TopicSpec single(String cleanupPolicy) {
    return new TopicSpec(
        PartitionRule.ONE, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, cleanupPolicy));
  }

  /** Whether the topic must have as many partitions as the images topic. */
  public boolean coPartitionedWithImages() {
    return partitions == PartitionRule.WITH_IMAGES;
  }

  /** The {@code cleanup.policy} it is created with; empty for the broker's default. */
  public Optional<String> cleanupPolicy() {
    return Optional.ofNullable(configs.get(TopicConfig.CLEANUP_POLICY_CONFIG));
  }
}
