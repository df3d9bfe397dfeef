package io.digitstream.streams.monitor;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.model.MonitoringReference;
import io.digitstream.record.Alert;
import io.digitstream.record.AlertKind;
import io.digitstream.record.Codec;
import io.digitstream.record.JsonSerde;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.topic.Topics;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

/**
 * The alerts branch: the accuracy windows as they are emitted are judged per model version ({@link
 * AlertEvaluator}), the dead-letter topic is counted per window ({@link DeadLetterAlerts}), and
 * each alert's changes go to the alerts topic, which every instance also keeps as a global store
 * for the page and {@code /api/alerts}. See docs/accuracy.md, section Alerts.
 */
public final class AlertTopology {
  /** Every instance's copy of the alerts topic as committed, keyed as the topic is. */
  public static final String CURRENT_STORE = AlertQueries.CURRENT_STORE;

  /** Name of the repartition step that brings all dead letters to one partition. */
  public static final String DEAD_LETTERS = "alerts-dead-letters";

  private final Topics topics;
  private final MonitorSettings settings;
  private final Duration window;
  private final Function<String, Optional<MonitoringReference>> references;
  private final AppMetrics metrics;

  /**
   * @param window the tumbling window dead letters are counted in
   */
  public AlertTopology(
      Topics topics,
      MonitorSettings settings,
      Duration window,
      Function<String, Optional<MonitoringReference>> references,
      AppMetrics metrics) {
    this.topics = topics;
    this.settings = settings;
    this.window = window;
    this.references = references;
    this.metrics = metrics;
  }

  static Serde<Alert> alertSerde() {
    return new JsonSerde<>(Codec.alerts());
  }

  /** Adds the branch to {@code builder}, fed by the accuracy windows as emitted. */
  public void attach(StreamsBuilder builder, KStream<String, AccuracyWindow> windows) {
    Topics.Topic<Alert> alerts = topics.alerts();
    Produced<String, Alert> toAlerts = Produced.with(alerts.keySerde(), alerts.valueSerde());
    windows
        .process(
            AlertEvaluator.supplier(settings, references, metrics), Named.as("evaluate-alerts"))
        .to(alerts.name(), toAlerts.withName("window-alerts"));
    Topics.Topic<byte[]> deadLetters = topics.deadLetters();
    builder.stream(
            deadLetters.name(),
            Consumed.with(Serdes.String(), deadLetters.valueSerde()).withName("dead-letters"))
        .selectKey((k, v) -> Alert.ALL_VERSIONS, Named.as("all-dead-letters"))
        .repartition(
            Repartitioned.<String, byte[]>as(DEAD_LETTERS)
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.ByteArray()))
        .process(
            DeadLetterAlerts.supplier(settings, window, metrics), Named.as("count-dead-letters"))
        .to(
            alerts.name(),
            Produced.with(alerts.keySerde(), alerts.valueSerde()).withName("dead-letter-alerts"));
    AlertQueries.attachCurrentStore(builder, topics);
  }

  /** The message of an alert record. */
  /** The alert's message: what breached, or, once resolved, that it is back. */
  static String describe(AlertKind kind, boolean firing, double value, double threshold) {
    String v = String.format(Locale.ROOT, "%.4g", value);
    String t = String.format(Locale.ROOT, "%.4g", threshold);
    if (firing) {
      return switch (kind) {
        case DIGIT_MIX_DRIFT ->
            "predicted-digit mix drifted from the training mix: PSI " + v + ", threshold " + t;
        case INPUT_DRIFT ->
            "input statistics drifted from the training images: PSI " + v + ", threshold " + t;
        case CONFIDENCE_DRIFT ->
            "confidence distribution drifted from validation: PSI " + v + ", threshold " + t;
        case ESTIMATED_ACCURACY_DROP ->
            "estimated accuracy " + v + " is below " + t + " (no labels needed)";
        case MEASURED_ACCURACY_DROP -> "measured accuracy " + v + " is below " + t;
        case ERROR_RATE_CHANGE ->
            "error rate rose: " + v + " errors beyond the expected rate, threshold " + t;
        case OUT_OF_DISTRIBUTION_RISE ->
            "share of inputs unlike any digit trained on: " + v + ", threshold " + t;
        case DEAD_LETTER_RISE -> v + " dead letters in one window, threshold " + t;
      };
    }
    return switch (kind) {
      case DIGIT_MIX_DRIFT ->
          "predicted-digit mix back near the training mix: PSI " + v + ", threshold " + t;
      case INPUT_DRIFT ->
          "input statistics back near the training images: PSI " + v + ", threshold " + t;
      case CONFIDENCE_DRIFT ->
          "confidence distribution back near validation: PSI " + v + ", threshold " + t;
      case ESTIMATED_ACCURACY_DROP -> "estimated accuracy back up at " + v + ", floor " + t;
      case MEASURED_ACCURACY_DROP -> "measured accuracy back up at " + v + ", floor " + t;
      case ERROR_RATE_CHANGE ->
          "error rate back to expected: " + v + " errors beyond it, threshold " + t;
      case OUT_OF_DISTRIBUTION_RISE ->
          "share of inputs unlike any digit back to " + v + ", threshold " + t;
      case DEAD_LETTER_RISE -> "dead letters back to " + v + " in a window, threshold " + t;
    };
  }
}
