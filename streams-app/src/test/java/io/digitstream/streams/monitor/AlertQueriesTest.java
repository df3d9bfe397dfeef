package io.digitstream.streams.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.record.Alert;
import io.digitstream.record.AlertKind;
import io.digitstream.record.AlertState;
import io.digitstream.streams.StreamsSettings;
import io.digitstream.streams.accuracy.QueryUnavailableException;
import io.digitstream.topic.Topics;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /api/alerts} reads the global store of the compacted alerts topic. */
class AlertQueriesTest {
  @TempDir Path stateDir;
  private TopologyTestDriver driver;
  private TestInputTopic<String, Alert> topic;
  private AlertQueries queries;

  @BeforeEach
  void start() {
    StreamsSettings settings =
        StreamsSettings.load(
            null, Map.of(), Map.of(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString()));
    Topics topics = settings.topics();
    StreamsBuilder builder = new StreamsBuilder();
    AlertQueries.attachCurrentStore(builder, topics);
    Properties props = settings.kafka();
    driver = new TopologyTestDriver(builder.build(props), props);
    topic =
        driver.createInputTopic(
            topics.alerts().name(),
            new StringSerializer(),
            topics.alerts().valueSerde().serializer());
    queries = new AlertQueries(() -> driver.getKeyValueStore(AlertQueries.CURRENT_STORE));
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private static Alert alert(String version, AlertKind kind, AlertState state, long changedAt) {
    return new Alert(
        version, kind, state, 0.3, 0.2, 0, 60_000, 100, 60_000, changedAt, kind.label());
  }

  private void send(Alert alert) {
    topic.pipeInput(alert.key(), alert);
  }

  @Test
  void answersTheLatestStateOfEachAlertFiringFirstThenResolvedNewestFirst() {
    send(alert("v1", AlertKind.INPUT_DRIFT, AlertState.FIRING, 10));
    send(alert("v1", AlertKind.DIGIT_MIX_DRIFT, AlertState.FIRING, 20));
    send(alert("v1", AlertKind.INPUT_DRIFT, AlertState.RESOLVED, 30));
    send(alert(Alert.ALL_VERSIONS, AlertKind.DEAD_LETTER_RISE, AlertState.RESOLVED, 25));
    send(alert("v2", AlertKind.OUT_OF_DISTRIBUTION_RISE, AlertState.FIRING, 5));

    assertThat(queries.current().alerts())
        .extracting(a -> a.key() + " " + a.state().label())
        .containsExactly(
            "v1|digit-mix-drift firing",
            "v2|out-of-distribution-rise firing",
            "v1|input-drift resolved",
            "all|dead-letter-rise resolved");
  }

  @Test
  void answersNoAlertsAsAnEmptyList() {
    assertThat(queries.current().alerts()).isEmpty();
  }

  @Test
  void saysUnavailableWhileTheStoreIsNot() {
    AlertQueries closed =
        new AlertQueries(
            () -> {
              throw new InvalidStateStoreException("rebalancing");
            });
    assertThatThrownBy(closed::current)
        .isInstanceOf(QueryUnavailableException.class)
        .hasMessageContaining("alerts are not available");
    assertThatThrownBy(() -> AlertQueries.of(() -> null).current())
        .isInstanceOf(QueryUnavailableException.class);
  }
}
