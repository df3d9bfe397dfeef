package io.digitstream.streams;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.topic.TopicNames;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

class TopicSetupTest {
  @Test
  void namesTheClusterWhenKafkaDoesNotAnswer() {
    Admin admin = Admin.create(Map.of("bootstrap.servers", "127.0.0.1:1"));
    try {
      TopicSetup setup = new TopicSetup(admin, "127.0.0.1:1", Duration.ofMillis(500));

      assertThatThrownBy(
              () -> setup.ensure(TopicNames.defaults(), List.of("images"), true, 1, (short) 1))
          .isInstanceOf(TopicSetupException.class)
          .hasMessage("listing topics: Kafka at 127.0.0.1:1 did not answer within 500 ms");
    } finally {
      admin.close(Duration.ZERO);
    }
  }
}
