package io.digitstream.streams.accuracy;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.accuracy.WindowKind;
import io.digitstream.record.Codec;
import io.digitstream.record.JsonSerde;
import io.digitstream.streams.metrics.AppMetrics;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
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

/**
 * The second accuracy stage, keyed by model version: adds each delta into the version's cumulative
 * matrix, its tumbling window and every hopping window that contains the delta's time bucket, all
 * in queryable stores, and emits the changed windows to the accuracy topic once per flush interval.
 *
 * <p>Changed windows wait in a changelogged store until emitted, written in the same transaction as
 * the matrices they copy, so the topic never misses a window's last update after a crash.
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

  private final AccuracySettings settings;
  private final AppMetrics metrics;
  private final Map<String, AccuracyWindow> unsent = new LinkedHashMap<>();
  private ProcessorContext<String, AccuracyWindow> context;
  private KeyValueStore<String, AccuracyWindow> cumulative;
  private WindowStore<String, AccuracyWindow> tumbling;
  private WindowStore<String, AccuracyWindow> hopping;
  private KeyValueStore<String, AccuracyWindow> unsentStore;

  private AccuracyWindows(AccuracySettings settings, AppMetrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
  }

  public static ProcessorSupplier<String, AccuracyDelta, String, AccuracyWindow> supplier(
      AccuracySettings settings, AppMetrics metrics) {
    return new ProcessorSupplier<>() {
      @Override
      public Processor<String, AccuracyDelta, String, AccuracyWindow> get() {
        return new AccuracyWindows(settings, metrics);
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
            .withCachingEnabled());
  }

  @Override
  public void init(ProcessorContext<String, AccuracyWindow> context) {
    this.context = context;
    cumulative = context.getStateStore(CUMULATIVE_STORE);
    tumbling = context.getStateStore(TUMBLING_STORE);
    hopping = context.getStateStore(HOPPING_STORE);
    unsentStore = context.getStateStore(UNSENT_STORE);
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
    long bucket = delta.bucketStart();
    long bucketEnd = bucket + settings.advance().toMillis();

    AccuracyWindow total = cumulative.get(version);
    total =
        total == null
            ? new AccuracyWindow(version, WindowKind.CUMULATIVE, bucket, bucketEnd, matrix)
            : total.plus(matrix, bucket, bucketEnd);
    cumulative.put(version, total);
    changed(total);

    long size = settings.tumbling().toMillis();
    add(tumbling, version, WindowKind.TUMBLING, Math.floorDiv(bucket, size) * size, size, matrix);

    long hop = settings.hopping().toMillis();
    long advance = settings.advance().toMillis();
    // Every hopping window containing the bucket; like Kafka's TimeWindows, none starts before 0.
    for (long start = Math.max(0, bucket - hop + advance); start <= bucket; start += advance) {
      add(hopping, version, WindowKind.HOPPING, start, hop, matrix);
    }

    // The rolling figure is the hopping window that ends with the newest bucket of this version.
    AccuracyWindow rolling = hopping.fetch(version, Math.max(0, total.windowEnd() - hop));
    if (rolling != null) {
      metrics.rollingAccuracy(version, rolling.matrix().accuracy());
    }
  }

  private void add(
      WindowStore<String, AccuracyWindow> store,
      String version,
      WindowKind kind,
      long start,
      long size,
      ConfusionMatrix matrix) {
    AccuracyWindow window = store.fetch(version, start);
    window =
        window == null
            ? new AccuracyWindow(version, kind, start, start + size, matrix)
            : window.plus(matrix, start, start + size);
    store.put(version, window, start);
    changed(window);
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
