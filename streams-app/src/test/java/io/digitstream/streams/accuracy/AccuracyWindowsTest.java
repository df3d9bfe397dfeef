package io.digitstream.streams.accuracy;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.monitor.MonitorSettings;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The second accuracy stage on its own, fed with deltas as several first-stage tasks (several
 * partitions of the join) would send them for one model version.
 */
class AccuracyWindowsTest {
  private static final long T0 = Instant.parse("2026-11-22T12:00:00Z").toEpochMilli();
  private static final String V1 = "aaaaaaaaaaaa";

  private final AccuracySettings settings = AccuracySettings.defaults();
  private final AppMetrics metrics = new AppMetrics();
  private MockProcessorContext<String, AccuracyWindow> context;
  private Processor<String, AccuracyDelta, String, AccuracyWindow> windows;

  @BeforeEach
  void setUp() {
    Properties config = new Properties();
    config.setProperty("application.id", "accuracy-windows-test");
    config.setProperty("bootstrap.servers", "unused:9092");
    context = new MockProcessorContext<>(config);
    for (StoreBuilder<?> builder : AccuracyWindows.storeBuilders(settings)) {
      var store = builder.withLoggingDisabled().withCachingDisabled().build();
      store.init(context.getStateStoreContext(), store);
      context.addStateStore(store);
    }
    windows =
        AccuracyWindows.supplier(
                settings, MonitorSettings.defaults(), v -> Optional.empty(), metrics)
            .get();
    windows.init(context);
  }

  @AfterEach
  void close() {
    metrics.close();
  }

  @Test
  void sumsDeltasFromSeveralTasksCellByCell() {
    // Three tasks counted pairs of the same bucket; one counted a later bucket too.
    windows.process(delta(T0, cell(1, 1, 5), cell(2, 7, 1)));
    windows.process(delta(T0, cell(1, 1, 3)));
    windows.process(delta(T0, cell(9, 9, 2)));
    windows.process(delta(T0 + 10_000, cell(1, 1, 1)));

    KeyValueStore<String, AccuracyWindow> cumulative =
        context.getStateStore(AccuracyWindows.CUMULATIVE_STORE);
    AccuracyWindow total = cumulative.get(V1);
    ConfusionMatrix m = total.matrix();
    assertThat(m.count()).isEqualTo(12);
    assertThat(m.get(1, 1)).isEqualTo(9);
    assertThat(m.get(2, 7)).isEqualTo(1);
    assertThat(m.get(9, 9)).isEqualTo(2);
    assertThat(total.windowStart()).isEqualTo(T0);
    assertThat(total.windowEnd()).isEqualTo(T0 + 20_000);

    WindowStore<String, AccuracyWindow> tumbling =
        context.getStateStore(AccuracyWindows.TUMBLING_STORE);
    assertThat(tumbling.fetch(V1, T0).matrix()).isEqualTo(m);
  }

  @Test
  void emitsEachChangedWindowOnceAtTheNextFlush() {
    windows.process(delta(T0, cell(3, 3, 1)));
    windows.process(delta(T0, cell(3, 5, 1)));
    assertThat(context.forwarded()).isEmpty();

    context.scheduledPunctuators().get(0).getPunctuator().punctuate(0);

    List<AccuracyWindow> emitted =
        context.forwarded().stream().map(f -> (AccuracyWindow) f.record().value()).toList();
    assertThat(emitted).hasSize(1 + 1 + 30);
    assertThat(emitted).allSatisfy(w -> assertThat(w.matrix().count()).isEqualTo(2));
    context.resetForwards();
    context.scheduledPunctuators().get(0).getPunctuator().punctuate(1);
    assertThat(context.forwarded()).isEmpty();
  }

  @Test
  void reportsTheRollingAccuracyOfTheHoppingWindowEndingWithTheNewestBucket() {
    // Ten minutes ago: all wrong; now: all right. The rolling window only sees the recent pairs.
    windows.process(delta(T0 - 600_000, cell(1, 2, 10)));
    windows.process(delta(T0, cell(1, 1, 10)));

    assertThat(
            metrics
                .registry()
                .get("digitstream.accuracy.rolling")
                .tag("model_version", V1)
                .gauge()
                .value())
        .isEqualTo(1.0);
  }

  @Test
  void neverReplacesAnEvictedWindowsFinalValueWithAPartialMatrixFromALateDelta() {
    windows.process(delta(T0, cell(1, 1, 5)));
    punctuate();
    assertThat(emitted()).containsEntry(V1 + "|tumbling|" + T0, 5L);

    // A replay or a long outage: this version's newest bucket is now past the first window's
    // retention, so the stores have dropped that window; then a delta of that window arrives.
    long later = T0 + settings.retention().toMillis() + settings.tumbling().toMillis();
    windows.process(delta(later, cell(2, 2, 1)));
    windows.process(delta(T0, cell(1, 1, 1)));
    punctuate();

    Map<String, Long> emitted = emitted();
    assertThat(emitted.keySet())
        .as("no window starting at or before %d may be emitted again", T0)
        .noneMatch(key -> key.endsWith("|" + T0));
    assertThat(emitted).containsEntry(V1 + "|tumbling|" + later, 1L);
    assertThat(emitted)
        .as("the cumulative matrix has no window to close: it counts every pair")
        .containsEntry(V1 + "|cumulative", 7L);
    assertThat(metrics.accuracyDeltasTooLate()).isEqualTo(1);
  }

  @Test
  void addsALateDeltaToTheWindowsThatAreStillKept() {
    windows.process(delta(T0, cell(1, 1, 5)));
    // Ten minutes later the first tumbling window is still kept (retention one hour).
    windows.process(delta(T0 + 600_000, cell(2, 2, 1)));
    windows.process(delta(T0, cell(1, 1, 1)));
    punctuate();

    assertThat(emitted()).containsEntry(V1 + "|tumbling|" + T0, 6L);
    assertThat(metrics.accuracyDeltasTooLate()).isZero();
  }

  private void punctuate() {
    context.resetForwards();
    context.scheduledPunctuators().get(0).getPunctuator().punctuate(0);
  }

  /** The windows forwarded by the last punctuation: key to pair count. */
  private Map<String, Long> emitted() {
    Map<String, Long> out = new LinkedHashMap<>();
    for (var forwarded : context.forwarded()) {
      AccuracyWindow w = (AccuracyWindow) forwarded.record().value();
      out.put(w.key(), w.matrix().count());
    }
    return out;
  }

  private Record<String, AccuracyDelta> delta(long bucket, int[]... cells) {
    long[] counts = new long[100];
    for (int[] c : cells) {
      counts[c[0] * 10 + c[1]] += c[2];
    }
    return new Record<>(V1, new AccuracyDelta(V1, bucket, counts), bucket);
  }

  private static int[] cell(int truth, int predicted, int count) {
    return new int[] {truth, predicted, count};
  }
}
