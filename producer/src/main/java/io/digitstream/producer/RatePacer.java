package io.digitstream.producer;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Spaces sends evenly at a fixed rate. Send {@code n} is due at {@code start + n / rate}, so
 * oversleeping one wait does not delay the next and the average rate holds exactly. A send that
 * falls behind (a slow first send, a GC pause) is caught up at no more than {@value
 * #CATCH_UP_FACTOR}× the rate, never in a burst; after a stall of more than {@link #MAX_LAG_NANOS}
 * the backlog is dropped and the schedule restarts from now.
 */
final class RatePacer {
  static final long MAX_LAG_NANOS = TimeUnit.SECONDS.toNanos(1);
  static final int CATCH_UP_FACTOR = 2;

  /** Waits up to a number of nanoseconds; may return early. */
  @FunctionalInterface
  interface Waiter {
    /**
     * @return false if the caller should stop instead of sending
     */
    boolean await(long nanos) throws InterruptedException;
  }

  private final double periodNanos;
  private final long minSpacingNanos;
  private final LongSupplier clock;
  private final Waiter waiter;
  private boolean started;
  private long start;
  private long count;
  private long lastSend;
  private long restarts;

  /**
   * @param ratePerSecond sends per second, 0 for no pacing
   * @param clock nanoseconds, as {@link System#nanoTime()}
   */
  RatePacer(double ratePerSecond, LongSupplier clock, Waiter waiter) {
    if (!(ratePerSecond >= 0) || Double.isInfinite(ratePerSecond)) {
      throw new IllegalArgumentException("rate must be 0 or a positive number: " + ratePerSecond);
    }
    this.periodNanos = ratePerSecond == 0 ? 0 : 1e9 / ratePerSecond;
    this.minSpacingNanos = Math.round(periodNanos / CATCH_UP_FACTOR);
    this.clock = clock;
    this.waiter = waiter;
  }

  /**
   * Blocks until the next send is due.
   *
   * @return false if the waiter asked to stop; the send should not happen then
   */
  boolean awaitNext() throws InterruptedException {
    if (periodNanos == 0) {
      return true;
    }
    long now = clock.getAsLong();
    if (!started) {
      started = true;
      start = now;
      lastSend = now - minSpacingNanos;
    }
    long due = start + Math.round(count * periodNanos);
    if (now - due > MAX_LAG_NANOS) {
      start = now - Math.round(count * periodNanos);
      due = now;
      restarts++;
    }
    long at = Math.max(due, lastSend + minSpacingNanos);
    while (now < at) {
      if (!waiter.await(at - now)) {
        return false;
      }
      now = clock.getAsLong();
    }
    count++;
    lastSend = now;
    return true;
  }

  /** How often the schedule restarted after a long stall; 0 when the rate held throughout. */
  long restarts() {
    return restarts;
  }
}
