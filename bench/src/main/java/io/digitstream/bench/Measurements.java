package io.digitstream.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Wall-clock measurements: throughput over fixed windows (median of several rounds) and per-call
 * latency percentiles. Windows rather than fixed call counts keep every figure's run time equal, so
 * a short disturbance from another process shows up as a spread between rounds, which is printed,
 * instead of silently skewing one figure.
 */
final class Measurements {
  private static volatile float sink;

  private Measurements() {}

  /** Median, minimum and maximum of the rounds, in images per second. */
  record Rate(double median, double min, double max) {
    static Rate of(double[] rounds) {
      double[] s = rounds.clone();
      Arrays.sort(s);
      return new Rate(s[s.length / 2], s[0], s[s.length - 1]);
    }

    /** Half the spread as a percentage of the median: a rough noise figure. */
    double spreadPercent() {
      return median == 0 ? 0 : 50 * (max - min) / median;
    }
  }

  /** Batch-call latency percentiles in milliseconds. */
  record Latency(double p50, double p99, double max, int calls) {}

  /** Calls {@code scorer} repeatedly for {@code nanos}; returns images per second. */
  static double window(Scorer scorer, float[] input, int batch, long nanos) {
    long start = System.nanoTime();
    long images = 0;
    long now;
    do {
      consume(scorer.score(input, batch));
      images += batch;
      now = System.nanoTime();
    } while (now - start < nanos);
    return images * 1e9 / (now - start);
  }

  /** Warms up for {@code warmupNanos}, then measures {@code rounds} windows. */
  static Rate throughput(
      Scorer scorer, float[] input, int batch, long warmupNanos, long nanos, int rounds) {
    window(scorer, input, batch, warmupNanos);
    double[] r = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      r[i] = window(scorer, input, batch, nanos);
    }
    return Rate.of(r);
  }

  /**
   * Each scorer on its own thread, all starting each round together; a round's figure is the sum of
   * the threads' rates, which is how stream threads with one model each add up.
   */
  static Rate parallelThroughput(
      List<Scorer> scorers, float[] input, int batch, long warmupNanos, long nanos, int rounds)
      throws InterruptedException {
    int threads = scorers.size();
    double[][] perThread = new double[threads][rounds];
    CyclicBarrier barrier = new CyclicBarrier(threads);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread worker =
          new Thread(
              () -> {
                try {
                  Scorer s = scorers.get(id);
                  barrier.await();
                  window(s, input, batch, warmupNanos);
                  for (int i = 0; i < rounds; i++) {
                    barrier.await();
                    perThread[id][i] = window(s, input, batch, nanos);
                  }
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                  barrier.reset();
                }
              },
              "bench-" + t);
      workers.add(worker);
      worker.start();
    }
    for (Thread w : workers) {
      w.join();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("a benchmark thread failed", failure.get());
    }
    double[] sums = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      for (int t = 0; t < threads; t++) {
        sums[i] += perThread[t][i];
      }
    }
    return Rate.of(sums);
  }

  /** Times single calls of {@code batch} images for {@code nanos} after a warm-up. */
  static Latency latency(Scorer scorer, float[] input, int batch, long warmupNanos, long nanos) {
    window(scorer, input, batch, warmupNanos);
    long[] samples = new long[1 << 16];
    int count = 0;
    long end = System.nanoTime() + nanos;
    while (System.nanoTime() < end || count < 100) {
      long t0 = System.nanoTime();
      consume(scorer.score(input, batch));
      long t = System.nanoTime() - t0;
      if (count == samples.length) {
        samples = Arrays.copyOf(samples, count * 2);
      }
      samples[count++] = t;
    }
    long[] sorted = Arrays.copyOf(samples, count);
    Arrays.sort(sorted);
    return new Latency(
        percentile(sorted, 0.50) / 1e6,
        percentile(sorted, 0.99) / 1e6,
        sorted[count - 1] / 1e6,
        count);
  }

  /** Median nanoseconds of {@code reps} calls of {@code work}, for the small conversion steps. */
  static double medianNanos(LongSupplier work, int reps) {
    long[] t = new long[reps];
    long acc = 0;
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      acc += work.getAsLong();
      t[i] = System.nanoTime() - t0;
    }
    sink += acc;
    Arrays.sort(t);
    return t[reps / 2];
  }

  /** The q-quantile of sorted values (nearest rank). */
  static double percentile(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /** Keeps the JIT from treating results as dead. */
  static void consume(float[][] rows) {
    sink += rows[0][0];
  }
}
