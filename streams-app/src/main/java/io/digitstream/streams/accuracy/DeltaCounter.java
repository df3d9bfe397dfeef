package io.digitstream.streams.accuracy;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.streams.scoring.ScoredImage;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
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

/**
 * The first accuracy stage: counts each task's pairs ({@link #pairs}) or predictions ({@link
 * #predictions}) into one {@link AccuracyDelta} per model version and time bucket of the image, and
 * sends the deltas on, keyed by model version, once per flush interval. A record costs a few count
 * increments and one store write (cached, so a busy delta reaches the changelog about once per
 * commit); the windows downstream see a few deltas per second however many images flow.
 *
 * <p>Like the scorer's pending images, unsent deltas live in a changelogged store written before
 * {@link #process} returns, and are deleted when forwarded, in the same transaction: a crash
 * neither loses nor repeats a count.
 */
public final class DeltaCounter<V> implements Processor<String, V, String, AccuracyDelta> {
  /** Unsent pair deltas by {@code <bucketStart>|<modelVersion>}. */
  public static final String PAIRS_STORE = "accuracy-unsent-deltas";

  /** Unsent prediction deltas by {@code <bucketStart>|<modelVersion>}. */
  public static final String PREDICTIONS_STORE = "monitor-unsent-deltas";

  /** How one kind of record is counted. */
  private interface Counting<V> {
    String modelVersion(V value);

    long imageTimestamp(V value);

    void count(AccuracyDelta delta, V value);
  }

  private static final Counting<LabelledPrediction> PAIRS =
      new Counting<>() {
        @Override
        public String modelVersion(LabelledPrediction pair) {
          return pair.modelVersion();
        }

        @Override
        public long imageTimestamp(LabelledPrediction pair) {
          return pair.imageTimestamp();
        }

        @Override
        public void count(AccuracyDelta delta, LabelledPrediction pair) {
          delta.counts()[pair.truth() * ConfusionMatrix.CLASSES + pair.predicted()]++;
          delta.tally().addPair(pair);
        }
      };

  private static final Counting<ScoredImage> PREDICTIONS =
      new Counting<>() {
        @Override
        public String modelVersion(ScoredImage scored) {
          return scored.prediction().modelVersion();
        }

        @Override
        public long imageTimestamp(ScoredImage scored) {
          return scored.prediction().imageTimestamp();
        }

        @Override
        public void count(AccuracyDelta delta, ScoredImage scored) {
          delta.tally().addPrediction(scored.prediction(), scored.stats(), scored.reference());
        }
      };

  private final AccuracySettings settings;
  private final String storeName;
  private final Counting<V> counting;
  private final Map<String, AccuracyDelta> unsent = new HashMap<>();
  private ProcessorContext<String, AccuracyDelta> context;
  private KeyValueStore<String, AccuracyDelta> store;

  private DeltaCounter(AccuracySettings settings, String storeName, Counting<V> counting) {
    this.settings = settings;
    this.storeName = storeName;
    this.counting = counting;
  }

  /** Counts pairs into confusion matrices and calibration bins. */
  public static ProcessorSupplier<String, LabelledPrediction, String, AccuracyDelta> pairs(
      AccuracySettings settings) {
    return supplier(settings, PAIRS_STORE, PAIRS);
  }

  /**
   * Counts predictions (null values, the scorer's dead letters, are skipped) for the estimated
   * accuracy, out-of-distribution inputs and drift.
   */
  public static ProcessorSupplier<String, ScoredImage, String, AccuracyDelta> predictions(
      AccuracySettings settings) {
    return supplier(settings, PREDICTIONS_STORE, PREDICTIONS);
  }

  private static <V> ProcessorSupplier<String, V, String, AccuracyDelta> supplier(
      AccuracySettings settings, String storeName, Counting<V> counting) {
    return new ProcessorSupplier<>() {
      @Override
      public Processor<String, V, String, AccuracyDelta> get() {
        return new DeltaCounter<>(settings, storeName, counting);
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return Set.of(storeBuilder(storeName));
      }
    };
  }

  static StoreBuilder<KeyValueStore<String, AccuracyDelta>> storeBuilder(String name) {
    return Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(name), Serdes.String(), new AccuracyDelta.BinarySerde())
        .withLoggingEnabled(Map.of())
        .withCachingEnabled();
  }

  @Override
  public void init(ProcessorContext<String, AccuracyDelta> context) {
    this.context = context;
    this.store = context.getStateStore(storeName);
    unsent.clear();
    // After a crash or a move, the unsent deltas come back from the changelog.
    try (KeyValueIterator<String, AccuracyDelta> restored = store.all()) {
      restored.forEachRemaining(e -> unsent.put(e.key, e.value));
    }
    context.schedule(settings.flushInterval(), PunctuationType.WALL_CLOCK_TIME, now -> flush());
  }

  @Override
  public void process(Record<String, V> record) {
    V value = record.value();
    if (value == null) {
      return;
    }
    String version = counting.modelVersion(value);
    long bucket = settings.bucketOf(counting.imageTimestamp(value));
    String key = bucket + String.valueOf(AccuracyWindow.KEY_SEPARATOR) + version;
    AccuracyDelta delta = unsent.computeIfAbsent(key, k -> AccuracyDelta.empty(version, bucket));
    counting.count(delta, value);
    store.put(key, delta);
  }

  private void flush() {
    for (Map.Entry<String, AccuracyDelta> e : unsent.entrySet()) {
      AccuracyDelta delta = e.getValue();
      context.forward(new Record<>(delta.modelVersion(), delta, delta.bucketStart()));
      store.delete(e.getKey());
    }
    unsent.clear();
  }

  @Override
  public void close() {
    // Unsent deltas stay in the store and its changelog for the task's next owner.
    unsent.clear();
  }
}
