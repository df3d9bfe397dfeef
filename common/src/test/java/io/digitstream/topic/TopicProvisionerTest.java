package io.digitstream.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.topic.TopicSetupException.Problem;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TopicProvisionerTest {
  private final Admin admin = Admin.create(Map.of("bootstrap.servers", "127.0.0.1:1"));

  @AfterEach
  void closeAdmin() {
    admin.close(Duration.ZERO);
  }

  @Test
  void namesTheClusterAndTheTimeoutWhenKafkaDoesNotAnswer() {
    TopicProvisioner provisioner =
        new TopicProvisioner(admin, "127.0.0.1:1", Duration.ofMillis(500))
            .timeoutSetting("max.block.ms");

    assertThatThrownBy(
            () ->
                provisioner.ensure(
                    TopicNames.defaults(),
                    List.of(TopicRole.IMAGES),
                    TopicPlan.create(1, (short) 1)))
        .isInstanceOf(TopicSetupException.class)
        .hasMessageStartingWith(
            "Cannot reach Kafka at 127.0.0.1:1 within 500 ms (max.block.ms). Is the broker"
                + " running and bootstrap.servers right?")
        .satisfies(
            e -> assertThat(((TopicSetupException) e).problem()).isEqualTo(Problem.UNREACHABLE));
  }

  @Test
  void givesUpAtOnceWhenStopped() {
    TopicProvisioner provisioner =
        new TopicProvisioner(admin, "127.0.0.1:1", Duration.ofSeconds(30)).stopWhen(() -> true);
    long start = System.nanoTime();

    assertThatThrownBy(
            () ->
                provisioner.ensure(
                    TopicNames.defaults(),
                    List.of(TopicRole.IMAGES),
                    TopicPlan.create(1, (short) 1)))
        .isInstanceOf(TopicSetupException.class)
        .satisfies(e -> assertThat(((TopicSetupException) e).problem()).isEqualTo(Problem.STOPPED));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void describesThePlanForMessages() {
    assertThat(TopicPlan.create(4, (short) 1).describe())
        .isEqualTo("4 partitions, replication factor 1");
    assertThat(
            new TopicPlan(true, java.util.Optional.empty(), java.util.Optional.empty()).describe())
        .isEqualTo("default partitions, default replication factor");
  }
}
