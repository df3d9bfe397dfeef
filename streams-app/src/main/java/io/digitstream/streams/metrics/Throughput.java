package io.digitstream.streams.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * Images per second, sampled once a second from a counter by a daemon thread: the current rate
 * (over the last {@value #RATE_SECONDS} seconds) and a history of per-second rates for the page's
 * chart.
 */
public final class Throughput implements AutoCloseable {
  /** Seconds of history kept. */
  public static final int HISTORY_SECONDS = 120;

  static final int RATE_SECONDS = 5;

  private final DoubleSupplier counter;
  private final long[] times = new long[HISTORY_SECONDS + 1];
  private final double[] counts = new double[HISTORY_SECONDS + 1];
  private int samples;
  private int next;
  private final ScheduledExecutorService sampler;

  Throughput(DoubleSupplier counter) {
    this.counter = counter;
    sampler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "digitstream-throughput");
              t.setDaemon(true);
              return t;
            });
    sample();
    sampler.scheduleAtFixedRate(this::sample, 1, 1, TimeUnit.SECONDS);
  }

  synchronized void sample() {
    sample(System.currentTimeMillis(), counter.getAsDouble());
  }

  synchronized void sample(long now, double count) {
    times[next] = now;
    counts[next] = count;
    next = (next + 1) % times.length;
    samples = Math.min(samples + 1, times.length);
  }

  /** Images per second over the last few seconds; 0 before two samples exist. */
  public synchronized double rate() {
    if (samples < 2) {
      return 0;
    }
    int newest = index(0);
    int oldest = index(Math.min(RATE_SECONDS, samples - 1));
    long dt = times[newest] - times[oldest];
    return dt <= 0 ? 0 : (counts[newest] - counts[oldest]) * 1000.0 / dt;
  }

  /** Per-second rates, oldest first, each stamped with the end of its second (epoch ms). */
  public synchronized List<Sample> history() {
    List<Sample> out = new ArrayList<>(samples);
    for (int back = samples - 2; back >= 0; back--) {
      int now = index(back);
      int before = index(back + 1);
      long dt = times[now] - times[before];
      double rate = dt <= 0 ? 0 : (counts[now] - counts[before]) * 1000.0 / dt;
      out.add(new Sample(times[now], rate));
    }
    return out;
  }

  private int index(int back) {
    return Math.floorMod(next - 1 - back, times.length);
  }

  @Override
  public void close() {
    sampler.shutdownNow();
  }

  /**
   * One point of the throughput history.
   *
   * @param time end of the second, epoch ms
   * @param imagesPerSecond images scored per second in it
   */
  public record Sample(long time, double imagesPerSecond) {}
}
