package io.digitstream.topic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReplicationTest {
  private static final TopicPlan FOLLOW = new TopicPlan(true, Optional.of(4), Optional.empty());

  @Test
  void followsTheClusterSizeUpToThreeReplicas() {
    assertThat(Replication.choose(FOLLOW, 1)).isEqualTo(new Replication((short) 1, 1, 1, false));
    assertThat(Replication.choose(FOLLOW, 2)).isEqualTo(new Replication((short) 2, 1, 2, false));
    assertThat(Replication.choose(FOLLOW, 3)).isEqualTo(new Replication((short) 3, 2, 3, false));
    assertThat(Replication.choose(FOLLOW, 7)).isEqualTo(new Replication((short) 3, 2, 7, false));
    assertThat(Replication.choose(FOLLOW, 3).describe())
        .isEqualTo(
            "3 brokers: replication factor 3, min.insync.replicas 2 (from the cluster size)");
  }

  @Test
  void keepsAConfiguredFactor() {
    TopicPlan two = TopicPlan.create(4, (short) 2);
    assertThat(Replication.choose(two, 5)).isEqualTo(new Replication((short) 2, 1, 5, true));
    assertThat(Replication.choose(two, 5).describe())
        .isEqualTo(
            "5 brokers: replication factor 2, min.insync.replicas 1"
                + " (digitstream.topics.replication.factor)");
  }
}
