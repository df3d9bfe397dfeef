package io.digitstream.streams;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.errors.UnknownProducerIdException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * Decides what a stream thread's uncaught failure does. A transaction the brokers aborted or lost
 * (a broker killed, a leader moved, a commit slower than {@code transaction.timeout.ms}) is
 * replaced by a fresh thread with a fresh producer: under exactly-once its output was never
 * committed and its input offsets were not either, so the new thread re-reads and re-scores it and
 * nothing is lost or repeated. Everything else (brokers gone past every timeout, a full disk, a
 * bug) and a lost transaction that keeps coming back shut the client down, so the process fails
 * loudly and its supervisor sees it.
 */
final class ThreadFailures {
  /** Replacements allowed within {@link #WINDOW} before a transient failure counts as lasting. */
  static final int MAX_REPLACEMENTS = 5;

  static final Duration WINDOW = Duration.ofMinutes(10);

  // Kafka Streams turns fencing into a rebalance itself; these reach the handler when the broker
  // answered a commit with a transaction error it does not map (KAFKA-19690 family).
  private static final Set<Class<? extends Throwable>> TRANSACTION_LOST =
      Set.of(
          InvalidTxnStateException.class,
          InvalidProducerEpochException.class,
          ProducerFencedException.class,
          TransactionAbortedException.class,
          UnknownProducerIdException.class);

  private final Deque<Long> replacedAt = new ArrayDeque<>();

  /** The response to {@code failure} at {@code nowMillis}; records a replacement it grants. */
  synchronized StreamThreadExceptionResponse respond(Throwable failure, long nowMillis) {
    if (!isTransient(failure)) {
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }
    while (!replacedAt.isEmpty() && nowMillis - replacedAt.peekFirst() >= WINDOW.toMillis()) {
      replacedAt.removeFirst();
    }
    if (replacedAt.size() >= MAX_REPLACEMENTS) {
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }
    replacedAt.addLast(nowMillis);
    return StreamThreadExceptionResponse.REPLACE_THREAD;
  }

  /** Replacements granted in the window ending at {@code nowMillis}. */
  synchronized int recentReplacements(long nowMillis) {
    return (int) replacedAt.stream().filter(t -> nowMillis - t < WINDOW.toMillis()).count();
  }

  /**
   * Whether a cause of {@code failure} is a transaction the brokers no longer hold. A broker that
   * stays away past {@code task.timeout.ms} is not: Kafka Streams has retried that already.
   */
  static boolean isTransient(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      for (Class<? extends Throwable> lost : TRANSACTION_LOST) {
        if (lost.isInstance(t)) {
          return true;
        }
      }
    }
    return false;
  }
}
