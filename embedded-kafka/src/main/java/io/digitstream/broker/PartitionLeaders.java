package io.digitstream.broker;

import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Which broker leads the most partitions: the one to kill for the largest failover. Shared by every
 * cluster a test can kill a broker of (child JVMs here, containers elsewhere).
 */
public final class PartitionLeaders {
  private PartitionLeaders() {}

  /**
   * The node that leads the most partitions among {@code descriptions} (the lowest id on a tie).
   *
   * @throws KafkaException if no partition has a leader
   */
  public static int leaderOfMost(Collection<TopicDescription> descriptions) {
    Map<Integer, Integer> led = new HashMap<>();
    for (TopicDescription description : descriptions) {
      for (TopicPartitionInfo partition : description.partitions()) {
        if (partition.leader() != null && !partition.leader().isEmpty()) {
          led.merge(partition.leader().id(), 1, Integer::sum);
        }
      }
    }
    return led.entrySet().stream()
        .max(
            Comparator.<Map.Entry<Integer, Integer>>comparingInt(Map.Entry::getValue)
                .thenComparing(Map.Entry::getKey, Comparator.reverseOrder()))
        .map(Map.Entry::getKey)
        .orElseThrow(
            () ->
                new KafkaException(
                    "No partition of "
                        + descriptions.stream().map(TopicDescription::name).toList()
                        + " has a leader"));
  }
}
