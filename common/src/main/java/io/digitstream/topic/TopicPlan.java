package io.digitstream.topic;

import java.util.Objects;
import java.util.Optional;

/**
 * What a program may do about its topics: whether it creates missing ones, and the partition count
 * and replication factor it creates them with. An empty value leaves it to the broker's default.
 *
 * @param create whether missing topics are created; if not, they are all named in one error
 * @param partitions the count for {@link TopicSpec.PartitionRule#CONFIGURED} topics, and for
 *     image-keyed ones while no image-keyed topic exists
 * @param replicationFactor the replication factor of every topic created
 */
public record TopicPlan(
    boolean create, Optional<Integer> partitions, Optional<Short> replicationFactor) {

  /** Whether a program creates the topics it needs and finds missing. */
  public static final String CREATE = "digitstream.topics.create";

  /** The partition count of the topics a program creates. */
  public static final String PARTITIONS = "digitstream.topics.partitions";

  /** The replication factor of the topics a program creates. */
  public static final String REPLICATION_FACTOR = "digitstream.topics.replication.factor";

  public TopicPlan {
    Objects.requireNonNull(partitions, "partitions");
    Objects.requireNonNull(replicationFactor, "replicationFactor");
  }

  /** Creates missing topics with the given count and factor. */
  public static TopicPlan create(int partitions, short replicationFactor) {
    return new TopicPlan(true, Optional.of(partitions), Optional.of(replicationFactor));
  }

  /** E.g. {@code 4 partitions, replication factor 1}, for messages. */
  public String describe() {
    return partitions.map(p -> p + " partitions").orElse("default partitions")
        + ", "
        + replicationFactor
            .map(r -> "replication factor " + r)
            .orElse("default replication factor");
  }
}
