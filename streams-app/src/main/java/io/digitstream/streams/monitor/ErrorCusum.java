package io.digitstream.streams.monitor;

import io.digitstream.accuracy.AccuracyWindow;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Page's one-sided CUSUM on a model version's stream of errors, over time buckets of image time in
 * order: {@code S = max(0, S + errors - pairs * (p0 + slack))}, where {@code p0} is the error rate
 * the model had on its validation split. S stays near 0 while the error rate is at most {@code p0 +
 * slack} and grows by the excess errors once it is above; it is read as "errors beyond what was
 * expected" and alerts at a threshold. It is computed from the buckets' pair and error counts kept
 * in a store, afresh for each question, so its value at a time does not depend on the order or
 * batching in which pairs arrived. It looks back over a bounded span (the hopping window), so an
 * alert on it clears once the errors are that far behind.
 */
public final class ErrorCusum {
  /** Pairs and errors by {@code <modelVersion>|<bucketStart, 19 digits>}. */
  public static final String STORE = "monitor-error-buckets";

  private final KeyValueStore<String, long[]> store;
  private final long retentionMs;

  public ErrorCusum(KeyValueStore<String, long[]> store, long retentionMs) {
    this.store = store;
    this.retentionMs = retentionMs;
  }

  public static StoreBuilder<KeyValueStore<String, long[]>> storeBuilder() {
    return Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(STORE), Serdes.String(), new CountsSerde())
        .withLoggingEnabled(Map.of());
  }

  /** Adds a bucket's pairs and errors, and forgets the version's buckets older than retention. */
  public void add(String version, long bucketStart, long pairs, long errors) {
    if (pairs == 0) {
      return;
    }
    String key = key(version, bucketStart);
    long[] old = store.get(key);
    store.put(
        key,
        old == null ? new long[] {pairs, errors} : new long[] {old[0] + pairs, old[1] + errors});
    long oldest = bucketStart - retentionMs;
    if (oldest <= 0) {
      return;
    }
    String bound = key(version, oldest);
    List<String> stale = new ArrayList<>();
    try (KeyValueIterator<String, long[]> it = store.range(key(version, 0), bound)) {
      while (it.hasNext()) {
        String k = it.next().key;
        if (k.compareTo(bound) < 0) {
          stale.add(k);
        }
      }
    }
    stale.forEach(store::delete);
  }

  /**
   * S over the version's buckets that start in {@code [from, end)}, from 0 at {@code from}; null
   * without any. A bounded look-back lets S return to 0 once a spell of errors has passed: over all
   * of history it would only come down by the slack, for hours after a short incident.
   */
  public Double value(String version, long from, long end, double expectedErrorRate, double slack) {
    double s = 0;
    boolean any = false;
    try (KeyValueIterator<String, long[]> it =
        store.range(key(version, from), key(version, Math.max(0, end - 1)))) {
      while (it.hasNext()) {
        long[] bucket = it.next().value;
        s = Math.max(0, s + bucket[1] - bucket[0] * (expectedErrorRate + slack));
        any = true;
      }
    }
    return any ? s : null;
  }

  // Zero-padded so that the store's string order is time order; versions never contain '|'.
  static String key(String version, long bucketStart) {
    return version
        + AccuracyWindow.KEY_SEPARATOR
        + String.format("%019d", Math.max(0, bucketStart));
  }

  /** Two longs. */
  static final class CountsSerde implements Serde<long[]> {
    @Override
    public org.apache.kafka.common.serialization.Serializer<long[]> serializer() {
      return (topic, v) ->
          v == null ? null : ByteBuffer.allocate(16).putLong(v[0]).putLong(v[1]).array();
    }

    @Override
    public org.apache.kafka.common.serialization.Deserializer<long[]> deserializer() {
      return (topic, b) -> {
        if (b == null) {
          return null;
        }
        ByteBuffer in = ByteBuffer.wrap(b);
        return new long[] {in.getLong(), in.getLong()};
      };
    }
  }
}
