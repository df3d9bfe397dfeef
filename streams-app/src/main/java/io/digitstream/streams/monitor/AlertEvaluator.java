package io.digitstream.streams.monitor;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.WindowKind;
import io.digitstream.accuracy.WindowMonitor;
import io.digitstream.model.MonitoringReference;
import io.digitstream.record.Alert;
import io.digitstream.record.AlertKind;
import io.digitstream.record.AlertState;
import io.digitstream.streams.metrics.AppMetrics;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Judges each model version's newest tumbling window as it is emitted and writes an {@link Alert}
 * when one of its figures crosses its threshold, and again when it is back within {@link
 * MonitorSettings#clearRatio()} of it: one record per change, none in between. Runs in the task
 * that owns the version's windows; the alert states live in a changelogged store written in the
 * same transaction as the records, so a crash neither repeats nor loses a change.
 */
public final class AlertEvaluator implements Processor<String, AccuracyWindow, String, Alert> {
  /** The last state of each alert, by {@link Alert#key()}. */
  public static final String STATE_STORE = "alerts-state";

  /** The newest tumbling window start judged, by model version. */
  public static final String NEWEST_STORE = "alerts-newest-window";

  private final MonitorSettings settings;
  private final Function<String, Optional<MonitoringReference>> references;
  private final AppMetrics metrics;
  private ProcessorContext<String, Alert> context;
  private KeyValueStore<String, Alert> states;
  private KeyValueStore<String, Long> newest;

  private AlertEvaluator(
      MonitorSettings settings,
      Function<String, Optional<MonitoringReference>> references,
      AppMetrics metrics) {
    this.settings = settings;
    this.references = references;
    this.metrics = metrics;
  }

  public static ProcessorSupplier<String, AccuracyWindow, String, Alert> supplier(
      MonitorSettings settings,
      Function<String, Optional<MonitoringReference>> references,
      AppMetrics metrics) {
    return new ProcessorSupplier<>() {
      @Override
      public Processor<String, AccuracyWindow, String, Alert> get() {
        return new AlertEvaluator(settings, references, metrics);
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return Set.of(
            Stores.keyValueStoreBuilder(
                    Stores.inMemoryKeyValueStore(STATE_STORE),
                    Serdes.String(),
                    AlertTopology.alertSerde())
                .withLoggingEnabled(Map.of()),
            Stores.keyValueStoreBuilder(
                    Stores.inMemoryKeyValueStore(NEWEST_STORE), Serdes.String(), Serdes.Long())
                .withLoggingEnabled(Map.of()));
      }
    };
  }

  @Override
  public void init(ProcessorContext<String, Alert> context) {
    this.context = context;
    states = context.getStateStore(STATE_STORE);
    newest = context.getStateStore(NEWEST_STORE);
  }

  @Override
  public void process(Record<String, AccuracyWindow> record) {
    AccuracyWindow window = record.value();
    if (window == null || window.kind() != WindowKind.TUMBLING) {
      return;
    }
    String version = window.modelVersion();
    Long judged = newest.get(version);
    if (judged != null && window.windowStart() < judged) {
      // A late update of an older window: the newest one speaks for now.
      return;
    }
    newest.put(version, window.windowStart());
    MonitoringReference reference = references.apply(version).orElse(null);
    WindowMonitor m = window.monitor();
    WindowMonitor.Drift drift = m.drift();
    long n = m.predictions();
    boolean enough = n >= settings.minImages();
    if (drift != null) {
      above(
          window,
          AlertKind.DIGIT_MIX_DRIFT,
          enough,
          drift.digitMix(),
          settings.digitMixThreshold(),
          n);
      above(window, AlertKind.INPUT_DRIFT, enough, drift.input(), settings.inputThreshold(), n);
      above(
          window,
          AlertKind.CONFIDENCE_DRIFT,
          enough,
          drift.confidence(),
          settings.confidenceThreshold(),
          n);
      long pairs = window.matrix().count();
      above(
          window,
          AlertKind.ERROR_RATE_CHANGE,
          drift.errorCusum() != null,
          drift.errorCusum(),
          settings.errorThreshold(),
          pairs);
    }
    above(
        window,
        AlertKind.OUT_OF_DISTRIBUTION_RISE,
        enough,
        n == 0 ? null : (double) m.outOfDistribution() / n,
        settings.oodFraction(),
        n);
    if (reference != null) {
      double floor = reference.validationAccuracy() - settings.accuracyDrop();
      below(window, AlertKind.ESTIMATED_ACCURACY_DROP, enough, m.estimatedAccuracy(), floor, n);
      long pairs = window.matrix().count();
      below(
          window,
          AlertKind.MEASURED_ACCURACY_DROP,
          pairs >= settings.minPairs(),
          pairs == 0 ? null : window.matrix().accuracy(),
          floor,
          pairs);
    }
  }

  // Fires at value >= threshold, resolves below threshold * clearRatio.
  private void above(
      AccuracyWindow w, AlertKind kind, boolean judged, Double value, double threshold, long n) {
    if (!judged || value == null) {
      return;
    }
    change(
        w,
        kind,
        value,
        threshold,
        n,
        value >= threshold,
        value < threshold * settings.clearRatio());
  }

  // Fires at value < floor, resolves once back above floor by (1 - clearRatio) of the drop.
  private void below(
      AccuracyWindow w, AlertKind kind, boolean judged, Double value, double floor, long n) {
    if (!judged || value == null) {
      return;
    }
    double margin = settings.accuracyDrop() * (1 - settings.clearRatio());
    change(w, kind, value, floor, n, value < floor, value >= floor + margin);
  }

  private void change(
      AccuracyWindow w,
      AlertKind kind,
      double value,
      double threshold,
      long n,
      boolean breach,
      boolean clear) {
    String key = Alert.key(w.modelVersion(), kind);
    Alert current = states.get(key);
    boolean firing = current != null && current.firing();
    long now = context.currentSystemTimeMs();
    Alert next;
    if (!firing && breach) {
      next =
          new Alert(
              w.modelVersion(),
              kind,
              AlertState.FIRING,
              value,
              threshold,
              w.windowStart(),
              w.windowEnd(),
              n,
              now,
              now,
              AlertTopology.describe(kind, true, value, threshold));
    } else if (firing && clear) {
      next =
          new Alert(
              w.modelVersion(),
              kind,
              AlertState.RESOLVED,
              value,
              threshold,
              w.windowStart(),
              w.windowEnd(),
              n,
              current.firedAt(),
              now,
              AlertTopology.describe(kind, false, value, threshold));
    } else {
      return;
    }
    states.put(key, next);
    metrics.alert(w.modelVersion(), kind.label(), next.firing());
    context.forward(new Record<>(key, next, w.windowStart()));
  }
}
