package io.digitstream.producer;

import io.digitstream.record.DigitLabel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Holds labels back for a fixed delay after their image, the way truth arrives late in real
 * systems, and hands each to {@code send} on its own thread when due, so image sends never wait for
 * labels.
 */
final class DelayedLabels {
  private static final long POLL_MILLIS = 50;

  private record Pending(DigitLabel label, long dueNanos, long sequence) implements Delayed {
    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      Pending that = (Pending) other;
      int byDue = Long.compare(dueNanos - that.dueNanos, 0);
      return byDue != 0 ? byDue : Long.compare(sequence, that.sequence);
    }
  }

  private final DelayQueue<Pending> queue = new DelayQueue<>();
  private final long delayNanos;
  private final Consumer<DigitLabel> send;
  private final AtomicInteger pending = new AtomicInteger();
  private final Thread worker;
  private long sequence;

  DelayedLabels(Duration delay, Consumer<DigitLabel> send) {
    this.delayNanos = delay.toNanos();
    this.send = send;
    this.worker = new Thread(this::run, "digitstream-delayed-labels");
    worker.setDaemon(true);
    worker.start();
  }

  /** Sends {@code label} once the delay has passed from now. Called by one thread only. */
  void schedule(DigitLabel label) {
    pending.incrementAndGet();
    queue.put(new Pending(label, System.nanoTime() + delayNanos, sequence++));
  }

  /** Labels scheduled and not yet handed to {@code send}. */
  int pending() {
    return pending.get();
  }

  /**
   * Blocks until every scheduled label has been handed over. While waiting it calls {@code tick}
   * every {@value #POLL_MILLIS} ms; once {@code hurry} turns true, the remaining labels are sent at
   * once instead of at their time.
   */
  void awaitAll(BooleanSupplier hurry, Runnable tick) throws InterruptedException {
    while (pending.get() > 0) {
      if (hurry.getAsBoolean()) {
        releaseNow();
      }
      tick.run();
      Thread.sleep(POLL_MILLIS);
    }
  }

  /** Hands every waiting label over now, in the caller's thread. */
  void releaseNow() {
    for (Pending p : queue.toArray(new Pending[0])) {
      // remove() succeeds for one thread only, so the worker and this loop never both send p.
      if (queue.remove(p)) {
        handOver(p);
      }
    }
  }

  private void run() {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        handOver(queue.take());
      }
    } catch (InterruptedException e) {
      // close() ends the worker; nothing is pending by then unless the run was abandoned.
    }
  }

  private void handOver(Pending p) {
    try {
      send.accept(p.label());
    } finally {
      pending.decrementAndGet();
    }
  }

  /**
   * Stops the worker and returns the labels it never handed over (none after {@link #awaitAll}), so
   * that the caller can report them instead of losing them silently.
   */
  List<DigitLabel> shutdown() {
    worker.interrupt();
    try {
      worker.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<DigitLabel> unsent = new ArrayList<>();
    for (Pending p : queue.toArray(new Pending[0])) {
      if (queue.remove(p)) {
        unsent.add(p.label());
        pending.decrementAndGet();
      }
    }
    return unsent;
  }
}
