package io.digitstream.streams.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.accuracy.WindowKind;
import io.digitstream.accuracy.WindowMonitor;
import io.digitstream.record.Alert;
import io.digitstream.record.AlertKind;
import io.digitstream.record.AlertState;
import io.digitstream.streams.metrics.AppMetrics;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AlertEvaluatorTest {
  private static final String V1 = "aaaaaaaaaaaa";
  private static final long MINUTE = 60_000;

  private final MonitorSettings settings = MonitorSettings.defaults();
  private final AppMetrics metrics = new AppMetrics();
  private MockProcessorContext<String, Alert> context;
  private Processor<String, AccuracyWindow, String, Alert> evaluator;

  @BeforeEach
  void setUp() {
    Properties config = new Properties();
    config.setProperty("application.id", "alert-evaluator-test");
    config.setProperty("bootstrap.servers", "unused:9092");
    context = new MockProcessorContext<>(config);
    context.setCurrentSystemTimeMs(1_800_000_000_000L);
    var supplier =
        AlertEvaluator.supplier(settings, v -> Optional.of(References.simple()), metrics);
    for (StoreBuilder<?> builder : supplier.stores()) {
      var store = builder.withLoggingDisabled().build();
      store.init(context.getStateStoreContext(), store);
      context.addStateStore(store);
    }
    evaluator = supplier.get();
    evaluator.init(context);
  }

  @AfterEach
  void close() {
    metrics.close();
  }

  @Test
  void firesOnceWhenInputDriftCrossesItsThresholdAndResolvesWhenItIsBack() {
    evaluator.process(window(0, 1000, 0.05));
    evaluator.process(window(0, 1200, 0.40));
    evaluator.process(window(0, 1400, 0.45));
    evaluator.process(window(MINUTE, 900, 0.22));
    evaluator.process(window(MINUTE, 1000, 0.10));

    List<Alert> alerts = alerts(AlertKind.INPUT_DRIFT);
    assertThat(alerts)
        .extracting(Alert::state)
        .containsExactly(AlertState.FIRING, AlertState.RESOLVED);
    assertThat(alerts.get(0).value()).isEqualTo(0.40);
    assertThat(alerts.get(0).count()).isEqualTo(1200);
    assertThat(alerts.get(1).firedAt()).isEqualTo(alerts.get(0).firedAt());
    assertThat(alerts.get(0).message())
        .isEqualTo(
            "input statistics drifted from the training images: PSI 0.4000, threshold 0.2500");
    assertThat(alerts.get(1).message())
        .isEqualTo("input statistics back near the training images: PSI 0.1000, threshold 0.2500");
    assertThat(alerts.get(0).key()).isEqualTo(V1 + "|input-drift");
    assertThat(metrics.registry().scrape())
        .contains(
            "digitstream_alerts_firing{kind=\"input-drift\",model_version=\"" + V1 + "\"} 0.0");
  }

  @Test
  void judgesNothingBeforeAWindowHoldsEnoughImages() {
    evaluator.process(window(0, settings.minImages() - 1, 5.0));

    assertThat(alerts(AlertKind.INPUT_DRIFT)).isEmpty();
  }

  @Test
  void aLateUpdateOfAnOlderWindowDoesNotSpeakForNow() {
    evaluator.process(window(MINUTE, 1000, 0.05));
    evaluator.process(window(0, 5000, 0.90));

    assertThat(alerts(AlertKind.INPUT_DRIFT)).isEmpty();
  }

  @Test
  void estimatedAccuracyBelowValidationMinusTheDropAlertsWithoutAnyLabel() {
    // Validation accuracy 0.99, drop 0.03: below 0.96 fires.
    evaluator.process(withConfidence(0, 1000, 0.95));

    assertThat(alerts(AlertKind.ESTIMATED_ACCURACY_DROP))
        .singleElement()
        .satisfies(
            a ->
                assertThat(a.threshold())
                    .isEqualTo(0.96, org.assertj.core.api.Assertions.within(1e-12)));
    assertThat(alerts(AlertKind.MEASURED_ACCURACY_DROP)).isEmpty();
  }

  @Test
  void otherWindowKindsAreNotJudged() {
    AccuracyWindow w = window(0, 1000, 0.9).value();
    evaluator.process(
        new Record<>(
            w.key(),
            new AccuracyWindow(V1, WindowKind.CUMULATIVE, 0, MINUTE, w.matrix(), w.monitor()),
            0));

    assertThat(context.forwarded()).isEmpty();
  }

  private List<Alert> alerts(AlertKind kind) {
    return context.forwarded().stream()
        .map(f -> (Alert) f.record().value())
        .filter(a -> a.kind() == kind)
        .toList();
  }

  private Record<String, AccuracyWindow> window(long start, long predictions, double inputPsi) {
    WindowMonitor m =
        WindowMonitor.of(
                predictions,
                predictions * 995_000,
                0,
                uniform(predictions),
                new long[0],
                Map.of(),
                new long[0],
                0,
                null,
                null)
            .withDrift(
                new WindowMonitor.Drift(0.01, inputPsi, Map.of("inkMass", inputPsi), 0.02, 0.0));
    AccuracyWindow w =
        new AccuracyWindow(
            V1, WindowKind.TUMBLING, start, start + MINUTE, ConfusionMatrix.empty(), m);
    return new Record<>(w.key(), w, start);
  }

  private Record<String, AccuracyWindow> withConfidence(long start, long predictions, double mean) {
    Record<String, AccuracyWindow> r = window(start, predictions, 0.01);
    WindowMonitor m = r.value().monitor();
    WindowMonitor lower =
        WindowMonitor.of(
                m.predictions(),
                Math.round(mean * WindowMonitor.MICROS) * predictions,
                0,
                m.predictedDigits(),
                new long[0],
                Map.of(),
                new long[0],
                0,
                null,
                null)
            .withDrift(m.drift());
    return new Record<>(r.key(), r.value().withMonitor(lower), start);
  }

  private static long[] uniform(long n) {
    long[] d = new long[10];
    java.util.Arrays.fill(d, n / 10);
    d[0] += n - (n / 10) * 10;
    return d;
  }
}
