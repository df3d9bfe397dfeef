package io.digitstream.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.record.Alert;
import io.digitstream.record.AlertKind;
import io.digitstream.record.AlertState;
import io.digitstream.testkit.EmbeddedKafkaExtension;
import io.digitstream.topic.TopicNames;
import io.digitstream.topic.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link AlertWatch} reading alert records from a real broker's alerts topic. */
class AlertWatchIntegrationTest {
  @RegisterExtension static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.create();

  @Test
  void printsEveryAlertWrittenBeforeItClosesAndCountsThem() throws Exception {
    Topics.Topic<Alert> topic = new Topics(TopicNames.defaults()).alerts();
    try (Admin admin = kafka.clients().admin()) {
      admin.createTopics(List.of(new NewTopic(topic.name(), 2, (short) 1))).all().get();
    }
    long window = 1_700_000_460_000L;
    Alert firing =
        new Alert(
            "v1",
            AlertKind.OUT_OF_DISTRIBUTION_RISE,
            AlertState.FIRING,
            0.3,
            0.05,
            window,
            window + 60_000,
            500,
            window + 60_000,
            window + 61_000,
            "many non-digits");
    Alert drift =
        new Alert(
            "v1",
            AlertKind.INPUT_DRIFT,
            AlertState.FIRING,
            0.41,
            0.25,
            window,
            window + 60_000,
            500,
            window + 60_000,
            window + 61_000,
            null);
    Alert resolved =
        new Alert(
            "v1",
            AlertKind.OUT_OF_DISTRIBUTION_RISE,
            AlertState.RESOLVED,
            0.01,
            0.05,
            window + 120_000,
            window + 180_000,
            480,
            window + 60_000,
            window + 181_000,
            "back");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    AlertTicker ticker =
        new AlertTicker(new PrintStream(printed, true, StandardCharsets.UTF_8), ZoneOffset.UTC);

    AlertWatch watch =
        AlertWatch.start(kafka.bootstrapServers(), topic, ticker, Duration.ofSeconds(10));
    kafka
        .clients()
        .send(
            List.of(firing, drift, resolved).stream()
                .map(
                    a ->
                        new ProducerRecord<>(
                            topic.name(),
                            a.key(),
                            topic.valueSerde().serializer().serialize(topic.name(), a)))
                .toList());
    watch.close();

    assertThat(watch.failure()).isNull();
    assertThat(printed.toString(StandardCharsets.UTF_8).lines())
        .containsExactlyInAnyOrder(
            "ALERT FIRING out-of-distribution-rise v1: many non-digits; value 0.3 (threshold"
                + " 0.05), window 22:21:00–22:22:00, 500 images",
            "ALERT FIRING input-drift v1: value 0.41 (threshold 0.25), window 22:21:00–22:22:00,"
                + " 500 images",
            "ALERT RESOLVED out-of-distribution-rise v1: back; value 0.01 (threshold 0.05), window"
                + " 22:23:00–22:24:00, 480 images");
    assertThat(ticker.tally().describe())
        .isEqualTo("2 fired, 1 resolved; still firing: input-drift (v1)");
  }

  @Test
  void aMissingAlertsTopicIsAFailureThatSaysSo() throws Exception {
    Topics.Topic<Alert> topic = new Topics(TopicNames.defaults()).alerts();
    AlertTicker ticker =
        new AlertTicker(new PrintStream(new ByteArrayOutputStream()), ZoneOffset.UTC);
    AlertWatch watch =
        AlertWatch.start(
            kafka.bootstrapServers(),
            new Topics.Topic<>("no.such.alerts", topic.valueSerde()),
            ticker,
            Duration.ofSeconds(2));
    watch.close();
    assertThat(watch.failure()).contains("no.such.alerts");
  }
}
