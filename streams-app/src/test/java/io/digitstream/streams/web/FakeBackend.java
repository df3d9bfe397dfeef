package io.digitstream.streams.web;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.accuracy.WindowKind;
import io.digitstream.streams.accuracy.QueryUnavailableException;
import io.digitstream.streams.accuracy.VersionSummary;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.metrics.InstanceStats;
import io.digitstream.streams.models.FleetModels;
import io.digitstream.streams.models.ModelStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.KafkaStreams;

/** A backend with one model version and fixed figures, recording how it was asked. */
public final class FakeBackend implements Backend {
  public static final String VERSION = "3f9a1c0d2b7e";
  public static final long T0 = 1_795_305_600_000L;

  public volatile KafkaStreams.State state = KafkaStreams.State.RUNNING;
  public volatile boolean unavailable;
  public final List<Boolean> localFlags = new CopyOnWriteArrayList<>();
  public final List<String> versionsAsked = new CopyOnWriteArrayList<>();

  /** While set, {@link #summary()} waits for it, as if another instance did not answer. */
  public volatile CountDownLatch summaryGate;

  public final AtomicInteger summariesWaiting = new AtomicInteger();
  public final AppMetrics metrics = new AppMetrics();

  public static ConfusionMatrix matrix() {
    long[][] m = new long[10][10];
    for (int d = 0; d < 10; d++) {
      m[d][d] = 100 + d;
    }
    m[4][9] = 7;
    m[9][4] = 3;
    return ConfusionMatrix.of(m);
  }

  public static AccuracyWindow window(WindowKind kind, long start, long end) {
    return new AccuracyWindow(VERSION, kind, start, end, matrix());
  }

  public static VersionSummary versionSummary() {
    return new VersionSummary(
        VERSION,
        window(WindowKind.CUMULATIVE, T0, T0 + 600_000),
        window(WindowKind.TUMBLING, T0 + 540_000, T0 + 600_000),
        window(WindowKind.HOPPING, T0 + 300_000, T0 + 600_000),
        List.of(
            new VersionSummary.AccuracyPoint(T0 + 590_000, 0.98, 900),
            new VersionSummary.AccuracyPoint(T0 + 600_000, 0.99, 1000)));
  }

  @Override
  public KafkaStreams.State state() {
    return state;
  }

  @Override
  public Summary summary() {
    CountDownLatch gate = summaryGate;
    if (gate != null) {
      summariesWaiting.incrementAndGet();
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new QueryUnavailableException("interrupted", e);
      } finally {
        summariesWaiting.decrementAndGet();
      }
    }
    check();
    InstanceStats stats = localStats();
    return new Summary(
        T0 + 601_000,
        state.name(),
        List.of(versionSummary()),
        stats,
        List.of(stats),
        List.of(),
        model);
  }

  @Override
  public List<String> versions(boolean localOnly) {
    check();
    localFlags.add(localOnly);
    return List.of(VERSION);
  }

  @Override
  public Optional<VersionSummary> version(String modelVersion, boolean localOnly) {
    check();
    versionsAsked.add(modelVersion);
    localFlags.add(localOnly);
    return VERSION.equals(modelVersion) ? Optional.of(versionSummary()) : Optional.empty();
  }

  @Override
  public Optional<AccuracyWindow> cumulative(String modelVersion, boolean localOnly) {
    check();
    versionsAsked.add(modelVersion);
    localFlags.add(localOnly);
    return VERSION.equals(modelVersion)
        ? Optional.of(window(WindowKind.CUMULATIVE, T0, T0 + 600_000))
        : Optional.empty();
  }

  @Override
  public List<AccuracyWindow> windows(
      String modelVersion, WindowKind kind, int limit, boolean localOnly) {
    check();
    versionsAsked.add(modelVersion);
    localFlags.add(localOnly);
    List<AccuracyWindow> out = new ArrayList<>();
    for (int i = 0; i < limit && VERSION.equals(modelVersion); i++) {
      out.add(window(kind, T0 - i * 60_000L, T0 - i * 60_000L + 60_000));
    }
    return out;
  }

  @Override
  public InstanceStats localStats() {
    return metrics.stats("127.0.0.1:1", state.name());
  }

  /** What {@link #model()} answers; tests set it. */
  public volatile ModelStatus model =
      ModelStatus.serving(new ModelStatus.Loaded("3f9a1c0d2b7e", "/models/a", 1L));

  @Override
  public ModelStatus model() {
    return model;
  }

  @Override
  public FleetModels.Report models() {
    return new FleetModels.Report(
        "127.0.0.1:1", state.name(), model.active().version(), model.shadowVersion());
  }

  @Override
  public String prometheus() {
    return metrics.scrape();
  }

  private void check() {
    if (unavailable) {
      throw new QueryUnavailableException("rebalance in progress", null);
    }
  }
}
