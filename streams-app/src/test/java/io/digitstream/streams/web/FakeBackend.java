package io.digitstream.streams.web;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.accuracy.WindowKind;
import io.digitstream.record.Alert;
import io.digitstream.record.AlertKind;
import io.digitstream.record.AlertState;
import io.digitstream.record.Prediction;
import io.digitstream.streams.Fixtures;
import io.digitstream.streams.accuracy.QueryUnavailableException;
import io.digitstream.streams.accuracy.VersionSummary;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.metrics.InstanceStats;
import io.digitstream.streams.models.FleetModels;
import io.digitstream.streams.models.ModelStatus;
import io.digitstream.streams.monitor.AlertQueries;
import io.digitstream.streams.monitor.ImageKind;
import io.digitstream.streams.monitor.ImageList;
import io.digitstream.streams.monitor.ImageRingSettings;
import io.digitstream.streams.monitor.ImageRings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.processor.TaskId;

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

  /** Rings filled from the sample digits by {@link #fillRings}; what {@link #images} answers. */
  public final ImageRings rings = new ImageRings(ImageRingSettings.defaults());

  /** What {@link #alerts()} answers, in this order; tests set it. */
  public volatile List<Alert> alerts = List.of();

  /** What the summary says of the drift thresholds; tests set it. */
  public volatile Map<String, Double> driftThresholds = Map.of();

  /**
   * Scores {@code count} sample digits on task 0_0, the image of sample {@code i} at {@code T0 + i}
   * s, with a made-up confidence falling with {@code i % 7}; every third one out of distribution;
   * the first {@code paired} get their label, wrong for every fourth.
   */
  public void fillRings(int count, int paired) {
    TaskId task = new TaskId(0, 0);
    for (int i = 0; i < count; i++) {
      int truth = Fixtures.digits().label(i);
      int predicted = i % 4 == 0 ? (truth + 1) % 10 : truth;
      double confidence = 0.99 - 0.12 * (i % 7);
      Double[] probabilities = new Double[10];
      for (int d = 0; d < 10; d++) {
        probabilities[d] = d == predicted ? confidence : (1 - confidence) / 9;
      }
      Prediction prediction =
          new Prediction(
                  "img-" + i,
                  predicted,
                  confidence,
                  List.of(probabilities),
                  VERSION,
                  T0 + i * 1000L,
                  T0 + i * 1000L + 5)
              .withMonitoring(confidence, i % 3 == 0 ? 4.5 : 0.8, i % 3 == 0);
      rings.scored(task, prediction.id(), Fixtures.digits().image(i), prediction);
      if (i < paired) {
        rings.paired(task, prediction.id(), truth, prediction);
      }
    }
  }

  /** A firing and a resolved alert of {@link #VERSION}. */
  public static List<Alert> sampleAlerts() {
    return List.of(
        new Alert(
            VERSION,
            AlertKind.INPUT_DRIFT,
            AlertState.FIRING,
            0.41,
            0.25,
            T0 + 540_000,
            T0 + 600_000,
            1200,
            T0 + 600_000,
            T0 + 601_000,
            "input drift 0.41 above 0.25 (ink mass, centre spread)"),
        new Alert(
            VERSION,
            AlertKind.MEASURED_ACCURACY_DROP,
            AlertState.RESOLVED,
            0.97,
            0.95,
            T0 + 420_000,
            T0 + 480_000,
            300,
            T0 + 360_000,
            T0 + 480_500,
            "measured accuracy 0.97 back above 0.95"));
  }

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
        model,
        driftThresholds);
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

  @Override
  public ImageList images(ImageKind kind, int limit, boolean localOnly) {
    check();
    localFlags.add(localOnly);
    return new ImageList(kind, rings.local(kind, limit), List.of());
  }

  @Override
  public AlertQueries.AlertList alerts() {
    check();
    return new AlertQueries.AlertList(alerts);
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
