package io.digitstream.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;

class PartitionLeadersTest {
  @Test
  void choosesTheNodeLeadingMostPartitionsAcrossTopics() {
    assertThat(
            PartitionLeaders.leaderOfMost(
                List.of(topic("images", 1, 2, 2), topic("labels", 3, 2, 1))))
        .isEqualTo(2);
  }

  @Test
  void choosesTheLowestIdOnATieAndIgnoresLeaderlessPartitions() {
    assertThat(PartitionLeaders.leaderOfMost(List.of(topic("images", 3, 2, -1, -1)))).isEqualTo(2);
  }

  @Test
  void failsWhenNoPartitionHasALeader() {
    assertThatThrownBy(() -> PartitionLeaders.leaderOfMost(List.of(topic("images", -1, -1))))
        .isInstanceOf(KafkaException.class)
        .hasMessage("No partition of [images] has a leader");
  }

  /** A topic with one partition per entry of {@code leaders}; -1 for a partition with none. */
  private static TopicDescription topic(String name, int... leaders) {
    List<TopicPartitionInfo> partitions = new ArrayList<>();
    for (int p = 0; p < leaders.length; p++) {
      Node leader = leaders[p] < 0 ? Node.noNode() : new Node(leaders[p], "host", 9092);
      partitions.add(new TopicPartitionInfo(p, leader, List.of(), List.of()));
    }
    return new TopicDescription(name, false, partitions);
  }
}
