package io.digitstream.streams.accuracy;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.ConfusionMatrix;
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
 * The first accuracy stage: counts each task's pairs into one {@link AccuracyDelta} per model
 * version and time bucket of the image, and sends the deltas on, keyed by model version, once per
 * flush interval. A pair costs one cell increment and one store write (cached, so a busy delta
 * reaches the changelog about once per commit); the windows downstream see a few deltas per second
 * however many images flow.
 *
 * <p>Like the scorer's pending images, unsent deltas live in a changelogged store written before
 * {@link #process} returns, and are deleted when forwarded, in the same transaction: a crash
 * neither loses nor repeats a pair.
 */
public final class PairCounter
    implements Processor<String, LabelledPrediction, String, AccuracyDelta> {
  /** Unsent deltas by {@code <bucketStart>|<modelVersion>}. */
  public static final String STORE = "accuracy-unsent-deltas";

  private final AccuracySettings settings;
  private final Map<String, AccuracyDelta> unsent = new HashMap<>();
  private ProcessorContext<String, AccuracyDelta> context;
  private KeyValueStore<String, AccuracyDelta> store;

  private PairCounter(AccuracySettings settings) {
    this.settings = settings;
  }

  public static ProcessorSupplier<String, LabelledPrediction, String, AccuracyDelta> supplier(
      AccuracySettings settings) {
    return new ProcessorSupplier<>() {
      @Override
      public Processor<String, LabelledPrediction, String, AccuracyDelta> get() {
        return new PairCounter(settings);
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return Set.of(storeBuilder());
      }
    };
  }

  static StoreBuilder<KeyValueStore<String, AccuracyDelta>> storeBuilder() {
    return Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(STORE), Serdes.String(), new AccuracyDelta.BinarySerde())
        .withLoggingEnabled(Map.of())
        .withCachingEnabled();
  }

  @Override
  public void init(ProcessorContext<String, AccuracyDelta> context) {
    this.context = context;
    this.store = context.getStateStore(STORE);
    unsent.clear();
    // After a crash or a move, the unsent deltas come back from the changelog.
    try (KeyValueIterator<String, AccuracyDelta> restored = store.all()) {
      restored.forEachRemaining(e -> unsent.put(e.key, e.value));
    }
    context.schedule(settings.flushInterval(), PunctuationType.WALL_CLOCK_TIME, now -> flush());
  }

  @Override
  public void process(Record<String, LabelledPrediction> record) {
    LabelledPrediction pair = record.value();
    long bucket = settings.bucketOf(pair.imageTimestamp());
    String key = bucket + String.valueOf(AccuracyWindow.KEY_SEPARATOR) + pair.modelVersion();
    AccuracyDelta delta =
        unsent.computeIfAbsent(
            key,
            k -> new AccuracyDelta(pair.modelVersion(), bucket, new long[AccuracyDelta.CELLS]));
    delta.counts()[pair.truth() * ConfusionMatrix.CLASSES + pair.predicted()]++;
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
