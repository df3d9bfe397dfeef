package io.digitstream.streams.scoring;

import java.time.Duration;
import java.util.Objects;

/**
 * How images are grouped before they reach the network: a batch is scored as soon as it holds
 * {@code maxSize} images, or when its oldest image has waited {@code maxWait}, whichever comes
 * first. Larger batches are faster per image; the wait bounds the latency a quiet topic adds.
 *
 * @param maxSize images per batch, 1–{@value #MAX_SIZE}
 * @param maxWait longest time an image waits for its batch to fill, 1 ms to {@value #MAX_WAIT_MS}
 *     ms
 */
public record Batching(int maxSize, Duration maxWait) {
  public static final int MAX_SIZE = 4096;
  public static final long MAX_WAIT_MS = 60_000;

  public Batching {
    Objects.requireNonNull(maxWait, "maxWait");
    if (maxSize < 1 || maxSize > MAX_SIZE) {
      throw new IllegalArgumentException(
          "batch size must be between 1 and " + MAX_SIZE + ", got " + maxSize);
    }
    if (maxWait.toMillis() < 1 || maxWait.toMillis() > MAX_WAIT_MS) {
      throw new IllegalArgumentException(
          "batch wait must be between 1 and " + MAX_WAIT_MS + " ms, got " + maxWait.toMillis());
    }
  }

  /**
   * How often the scorer checks the age of its oldest pending image: a quarter of the wait, so an
   * image waits at most 1.25 × {@code maxWait} plus one poll of the stream thread.
   */
  public Duration checkInterval() {
    return Duration.ofMillis(Math.max(1, maxWait.toMillis() / 4));
  }
}
