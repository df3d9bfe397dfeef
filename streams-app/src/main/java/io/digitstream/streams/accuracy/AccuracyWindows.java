package io.digitstream.streams.accuracy;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.accuracy.WindowKind;
import io.digitstream.accuracy.WindowMonitor;
import io.digitstream.model.MonitoringReference;
import io.digitstream.record.Codec;
import io.digitstream.record.JsonSerde;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.monitor.DriftScores;
import io.digitstream.streams.monitor.ErrorCusum;
import io.digitstream.streams.monitor.MonitorSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second accuracy stage, keyed by model version: adds each delta into the version's cumulative
 * matrix, its tumbling window and every hopping window that contains the delta's time bucket, all
 * in queryable stores, and emits the changed windows to the accuracy topic once per flush interval.
 *
 * <p>Changed windows wait in a changelogged store until emitted, written in the same transaction as
 * the matrices they copy, so the topic never misses a window's last update after a crash.
 *
 * <p>A window store drops a window once the newest window put into it starts more than the
 * retention later. A delta for a dropped window (after a long outage, in a replay, from a partition
 * read far behind the others) is too late for it: that window is neither rebuilt nor emitted, so
 * its last emitted value, the full matrix, stays its final value on the compacted accuracy topic.
 * The delta still counts in the cumulative matrix and in its windows that are still kept, and
 * {@code digitstream.accuracy.deltas.too.late} counts it.
 */
public final class AccuracyWindows
    implements Processor<String, AccuracyDelta, String, AccuracyWindow> {
  /** Cumulative matrix by model version. */
  public static final String CUMULATIVE_STORE = "accuracy-cumulative";

  /** Tumbling windows by model version and window start. */
  public static final String TUMBLING_STORE = "accuracy-tumbling";

  /** Hopping windows by model version and window start. */
  public static final String HOPPING_STORE = "accuracy-hopping";

  /** Windows changed since the last emission, by their accuracy-topic key. */
  public static final String UNSENT_STORE = "accuracy-unsent-windows";

  private static final Logger log = LoggerFactory.getLogger(AccuracyWindows.class);
  private static final long NO_WINDOW = Long.MIN_VALUE;

  private final AccuracySettings settings;
  private final MonitorSettings monitoring;
  private final Function<String, Optional<MonitoringReference>> references;
  private final AppMetrics metrics;
  private final Map<String, AccuracyWindow> unsent = new LinkedHashMap<>();
  private ProcessorContext<String, AccuracyWindow> context;
  private KeyValueStore<String, AccuracyWindow> cumulative;
  private WindowStore<String, AccuracyWindow> tumbling;
  private WindowStore<String, AccuracyWindow> hopping;
  private KeyValueStore<String, AccuracyWindow> unsentStore;
  private ErrorCusum errors;
  // The newest window start put into each window store: the stores' own stream time, which
  // decides which windows they have dropped.
  private long tumblingTime;
  private long hoppingTime;

  private AccuracyWindows(
      AccuracySettings settings,
      MonitorSettings monitoring,
      Function<String, Optional<MonitoringReference>> references,
      AppMetrics metrics) {
    this.settings = settings;
    this.monitoring = monitoring;
    this.references = references;
    this.metrics = metrics;
  }

  /**
   * @param references the monitoring reference of a model version, if this instance has its bundle
   *     loaded: windows of other versions get no drift figures
   */
  public static ProcessorSupplier<String, AccuracyDelta, String, AccuracyWindow> supplier(
      AccuracySettings settings,
      MonitorSettings monitoring,
      Function<String, Optional<MonitoringReference>> references,
      AppMetrics metrics) {
    return new ProcessorSupplier<>() {
      @Override
      public Processor<String, AccuracyDelta, String, AccuracyWindow> get() {
        return new AccuracyWindows(settings, monitoring, references, metrics);
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return storeBuilders(settings);
      }
    };
  }

  /** The value serde of the stores: the same JSON as the accuracy topic. */
  static Serde<AccuracyWindow> serde() {
    return new JsonSerde<>(Codec.accuracyWindows());
  }

  // In memory: a few windows per model version; a restore reads a small compacted changelog.
  static Set<StoreBuilder<?>> storeBuilders(AccuracySettings settings) {
    return Set.of(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(CUMULATIVE_STORE), Serdes.String(), serde())
            .withLoggingEnabled(Map.of()),
        Stores.windowStoreBuilder(
                Stores.inMemoryWindowStore(
                    TUMBLING_STORE, settings.retention(), settings.tumbling(), false),
                Serdes.String(),
                serde())
            .withLoggingEnabled(Map.of()),
        Stores.windowStoreBuilder(
                Stores.inMemoryWindowStore(
                    HOPPING_STORE, settings.retention(), settings.hopping(), false),
                Serdes.String(),
                serde())
            .withLoggingEnabled(Map.of()),
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(UNSENT_STORE), Serdes.String(), serde())
            .withLoggingEnabled(Map.of())
            .withCachingEnabled(),
        ErrorCusum.storeBuilder());
  }

  @Override
  public void init(ProcessorContext<String, AccuracyWindow> context) {
    this.context = context;
    cumulative = context.getStateStore(CUMULATIVE_STORE);
    tumbling = context.getStateStore(TUMBLING_STORE);
    hopping = context.getStateStore(HOPPING_STORE);
    unsentStore = context.getStateStore(UNSENT_STORE);
    errors =
        new ErrorCusum(context.getStateStore(ErrorCusum.STORE), settings.retention().toMillis());
    tumblingTime = newestStart(tumbling);
    hoppingTime = newestStart(hopping);
    unsent.clear();
    try (KeyValueIterator<String, AccuracyWindow> restored = unsentStore.all()) {
      restored.forEachRemaining(e -> unsent.put(e.key, e.value));
    }
    context.schedule(settings.flushInterval(), PunctuationType.WALL_CLOCK_TIME, now -> emit());
  }

  @Override
  public void process(Record<String, AccuracyDelta> record) {
    AccuracyDelta delta = record.value();
    String version = delta.modelVersion();
    ConfusionMatrix matrix = delta.matrix();
    WindowMonitor counts = delta.tally().toMonitor();
    long bucket = delta.bucketStart();
    long bucketEnd = bucket + settings.advance().toMillis();
    errors.add(version, bucket, matrix.count(), matrix.count() - matrix.correct());
    MonitoringReference reference = references.apply(version).orElse(null);

    AccuracyWindow total = cumulative.get(version);
    total =
        total == null
            ? new AccuracyWindow(version, WindowKind.CUMULATIVE, bucket, bucketEnd, matrix, counts)
            : total.plus(matrix, counts, bucket, bucketEnd);
    total = withDrift(total, reference);
    cumulative.put(version, total);
    changed(total);

    long size = settings.tumbling().toMillis();
    long tumblingStart = Math.floorDiv(bucket, size) * size;
    boolean tooLate = isDropped(tumblingStart, tumblingTime);
    if (!tooLate) {
      add(tumbling, version, WindowKind.TUMBLING, tumblingStart, size, matrix, counts, reference);
      tumblingTime = Math.max(tumblingTime, tumblingStart);
    }

    long hop = settings.hopping().toMillis();
    long advance = settings.advance().toMillis();
    // Every hopping window containing the bucket; like Kafka's TimeWindows, none starts before 0.
    for (long start = Math.max(0, bucket - hop + advance); start <= bucket; start += advance) {
      if (isDropped(start, hoppingTime)) {
        tooLate = true;
      } else {
        add(hopping, version, WindowKind.HOPPING, start, hop, matrix, counts, reference);
        hoppingTime = Math.max(hoppingTime, start);
      }
    }
    if (tooLate) {
      metrics.accuracyDeltaTooLate();
      log.debug(
          "Delta {} came after some of its windows were dropped; they keep their value", delta);
    }

    // The rolling figure is the hopping window that ends with the newest bucket of this version.
    AccuracyWindow rolling = hopping.fetch(version, Math.max(0, total.windowEnd() - hop));
    if (rolling != null) {
      metrics.rollingAccuracy(version, rolling.matrix().accuracy());
    }
    AccuracyWindow latest =
        tumbling.fetch(version, Math.floorDiv(total.windowEnd() - 1, size) * size);
    if (latest != null) {
      exportFigures(version, latest, total);
    }
  }

  private void exportFigures(String version, AccuracyWindow latest, AccuracyWindow total) {
    WindowMonitor m = latest.monitor();
    WindowMonitor.Drift drift = m.drift();
    Map<String, Double> scores = new LinkedHashMap<>();
    scores.put("digit-mix", drift == null ? null : drift.digitMix());
    scores.put("input", drift == null ? null : drift.input());
    scores.put("confidence", drift == null ? null : drift.confidence());
    scores.put("error-cusum", drift == null ? null : drift.errorCusum());
    Double estimated = m.estimatedAccuracy();
    Double ece = total.monitor().calibration().ece();
    metrics.windowFigures(
        version,
        estimated == null ? Double.NaN : estimated,
        latest.matrix().count() == 0 ? Double.NaN : latest.matrix().accuracy(),
        ece == null ? Double.NaN : ece,
        scores);
  }

  /** {@code window} with its drift figures computed against {@code reference}. */
  private AccuracyWindow withDrift(AccuracyWindow window, MonitoringReference reference) {
    if (reference == null) {
      return window;
    }
    Double cusum =
        errors.value(
            window.modelVersion(),
            window.windowEnd() - settings.hopping().toMillis(),
            window.windowEnd(),
            1 - reference.validationAccuracy(),
            monitoring.errorSlack());
    return window.withMonitor(
        window.monitor().withDrift(DriftScores.of(window.monitor(), reference, cusum)));
  }

  private void add(
      WindowStore<String, AccuracyWindow> store,
      String version,
      WindowKind kind,
      long start,
      long size,
      ConfusionMatrix matrix,
      WindowMonitor counts,
      MonitoringReference reference) {
    AccuracyWindow window = store.fetch(version, start);
    window =
        window == null
            ? new AccuracyWindow(version, kind, start, start + size, matrix, counts)
            : window.plus(matrix, counts, start, start + size);
    window = withDrift(window, reference);
    store.put(version, window, start);
    changed(window);
  }

  /**
   * Whether a window store whose newest window starts at {@code storeTime} has dropped this one.
   */
  private boolean isDropped(long windowStart, long storeTime) {
    return storeTime != NO_WINDOW && windowStart <= storeTime - settings.retention().toMillis();
  }

  private static long newestStart(WindowStore<String, AccuracyWindow> store) {
    long newest = NO_WINDOW;
    try (KeyValueIterator<Windowed<String>, AccuracyWindow> all = store.all()) {
      while (all.hasNext()) {
        newest = Math.max(newest, all.next().key.window().start());
      }
    }
    return newest;
  }

  private void changed(AccuracyWindow window) {
    unsent.put(window.key(), window);
    unsentStore.put(window.key(), window);
  }

  private void emit() {
    for (Map.Entry<String, AccuracyWindow> e : unsent.entrySet()) {
      AccuracyWindow window = e.getValue();
      context.forward(new Record<>(e.getKey(), window, window.windowStart()));
      unsentStore.delete(e.getKey());
    }
    unsent.clear();
  }

  @Override
  public void close() {
    unsent.clear();
  }
}
