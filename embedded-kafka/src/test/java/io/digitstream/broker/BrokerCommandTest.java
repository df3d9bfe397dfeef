package io.digitstream.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.broker.BrokerCommand.TopicSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

class BrokerCommandTest {

  @Test
  void defaultsToPort9092WithDataKeptInDataBroker() {
    BrokerCommand command = new BrokerCommand();
    new CommandLine(command).parseArgs();

    assertThat(command.port).isEqualTo(9092);
    assertThat(command.controllerPort).isEqualTo(9093);
    assertThat(command.dataDirectory).isEqualTo(Path.of("data/broker"));
    assertThat(command.topicsToCreate).isEmpty();
    assertThat(command.autoCreateTopics).isFalse();
  }

  @Test
  void parsesTopicsWithTheirPartitionCounts() {
    BrokerCommand command = new BrokerCommand();
    new CommandLine(command).parseArgs("--create-topics", "digits:4,predictions:1");

    assertThat(command.topicsToCreate)
        .containsExactly(new TopicSpec("digits", 4), new TopicSpec("predictions", 1));
  }

  @Test
  void rejectsATopicWithoutAPartitionCount() {
    BrokerCommand command = new BrokerCommand();

    assertThatThrownBy(() -> new CommandLine(command).parseArgs("--create-topics", "digits"))
        .isInstanceOf(ParameterException.class)
        .hasMessageContaining("expected NAME:PARTITIONS such as digits:4, got 'digits'");
  }
}
