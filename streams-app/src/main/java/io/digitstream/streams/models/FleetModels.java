package io.digitstream.streams.models;

import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.models.ModelStatus.Divergence;
import io.digitstream.streams.models.ModelStatus.Peer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the other instances, on a thread of its own, which active model they serve, and keeps the
 * answer for {@code /health} and the page, so that neither makes a network call. Instances may
 * disagree for a moment while an announcement reaches them one by one; when a RUNNING instance
 * serves another active model for longer than the grace period (one kept the old model after a
 * refusal, or quarantined the new one), this instance reports the divergence: {@code /health} says
 * DEGRADED, gauge {@code digitstream_model_peers_diverging} counts the instances, and counter
 * {@code digitstream_model_divergence_total} each divergence that outlasted the grace period.
 * Instances that do not answer are left out: that is not a disagreement about models.
 */
public final class FleetModels implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FleetModels.class);

  /**
   * What an instance says about its models at {@code GET /api/models}.
   *
   * @param server its {@code host:port}
   * @param state its Kafka Streams state
   * @param active its active model version
   * @param shadow its shadow model version, or null
   */
  public record Report(String server, String state, String active, String shadow) {}

  private final Supplier<String> localActive;
  private final Supplier<List<String>> others;
  private final Function<String, Optional<Report>> ask;
  private final Duration grace;
  private final LongSupplier clock;
  private final AppMetrics metrics;
  private ScheduledExecutorService executor;
  private volatile Divergence divergence;

  /**
   * @param localActive this instance's active version now
   * @param others the {@code host:port} of every other instance
   * @param ask an instance's report, empty if it did not answer
   */
  public FleetModels(
      Supplier<String> localActive,
      Supplier<List<String>> others,
      Function<String, Optional<Report>> ask,
      Duration grace,
      LongSupplier clock,
      AppMetrics metrics) {
    this.localActive = localActive;
    this.others = others;
    this.ask = ask;
    this.grace = grace;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** Polls every {@code interval} on a daemon thread until {@link #close}. */
  public synchronized void start(Duration interval) {
    executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "digitstream-fleet-models");
              t.setDaemon(true);
              return t;
            });
    executor.scheduleWithFixedDelay(
        this::pollQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void pollQuietly() {
    try {
      poll();
    } catch (RuntimeException e) {
      // A failed round leaves the last answer in place; the next round tries again.
      log.warn("Could not compare models with the other instances: {}", e.toString());
    }
  }

  /** One round: asks every other instance and updates the divergence. */
  public void poll() {
    String mine = localActive.get();
    List<Peer> disagreeing = new ArrayList<>();
    for (String server : others.get()) {
      Optional<Report> report = ask.apply(server);
      if (report.isPresent()
          && "RUNNING".equals(report.get().state())
          && !mine.equals(report.get().active())) {
        disagreeing.add(new Peer(server, report.get().active()));
      }
    }
    long now = clock.getAsLong();
    Divergence before = divergence;
    if (disagreeing.isEmpty()) {
      divergence = null;
      metrics.modelDivergence(0, false);
      return;
    }
    long since = before == null ? now : before.since();
    boolean degraded = now - since >= grace.toMillis();
    boolean started = degraded && (before == null || !before.degraded());
    if (started) {
      log.warn(
          "Instances disagree on the active model for {} ms: this one serves {}, {}",
          now - since,
          mine,
          disagreeing);
    }
    divergence = new Divergence(disagreeing, since, degraded);
    metrics.modelDivergence(disagreeing.size(), started);
  }

  /** The latest divergence seen, or null when every answering instance agrees. */
  public Divergence divergence() {
    return divergence;
  }

  @Override
  public synchronized void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
