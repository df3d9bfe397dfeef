package io.digitstream.streams;

import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.streams.scoring.ScoringException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

class ThreadFailuresTest {
  // What a commit after a broker kill threw on three brokers (BrokerFailoverIntegrationTest).
  private static final Throwable LOST_COMMIT =
      new StreamsException(
          "Error encountered trying to commit a transaction",
          new InvalidTxnStateException(
              "The producer attempted a transactional operation in an invalid state."));

  @Test
  void replacesAThreadWhoseTransactionTheBrokersLost() {
    assertThat(new ThreadFailures().respond(LOST_COMMIT, 0)).isEqualTo(REPLACE_THREAD);
  }

  @Test
  void shutsDownOnEverythingElse() {
    ThreadFailures failures = new ThreadFailures();
    assertThat(
            failures.respond(
                new StreamsException(new ProcessorStateException("No space left on device")), 0))
        .isEqualTo(SHUTDOWN_CLIENT);
    assertThat(failures.respond(new StreamsException(new TimeoutException("task.timeout.ms")), 0))
        .as("brokers gone past every timeout")
        .isEqualTo(SHUTDOWN_CLIENT);
    assertThat(
            failures.respond(new ScoringException("model failed", new IllegalStateException()), 0))
        .isEqualTo(SHUTDOWN_CLIENT);
    assertThat(failures.recentReplacements(0)).isZero();
  }

  @Test
  void shutsDownWhenTransactionsKeepBeingLost() {
    ThreadFailures failures = new ThreadFailures();
    for (int i = 0; i < ThreadFailures.MAX_REPLACEMENTS; i++) {
      assertThat(failures.respond(LOST_COMMIT, i * 1_000L)).isEqualTo(REPLACE_THREAD);
    }
    assertThat(failures.respond(LOST_COMMIT, 10_000)).isEqualTo(SHUTDOWN_CLIENT);
    assertThat(failures.recentReplacements(10_000)).isEqualTo(ThreadFailures.MAX_REPLACEMENTS);
  }

  @Test
  void forgetsReplacementsOlderThanTheWindow() {
    ThreadFailures failures = new ThreadFailures();
    for (int i = 0; i < ThreadFailures.MAX_REPLACEMENTS; i++) {
      failures.respond(LOST_COMMIT, 0);
    }
    long later = ThreadFailures.WINDOW.toMillis();
    assertThat(failures.recentReplacements(later)).isZero();
    assertThat(failures.respond(LOST_COMMIT, later)).isEqualTo(REPLACE_THREAD);
  }
}
