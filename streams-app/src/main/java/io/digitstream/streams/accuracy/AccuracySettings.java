package io.digitstream.streams.accuracy;

import io.digitstream.config.ConfigException;
import java.time.Duration;
import java.util.Objects;

/**
 * How predictions are joined with their labels and how the pairs are counted into windows.
 *
 * @param lateness how far apart in time (either way) an image and its label may be and still pair
 * @param grace how long after a join window's end (in stream time) its records may still arrive out
 *     of order
 * @param tumbling size of the tumbling windows
 * @param hopping size of the hopping (rolling) windows
 * @param advance how far the hopping windows advance; also the time bucket the first stage counts
 *     in, so it divides both window sizes
 * @param flushInterval how often (wall clock) counts move from one stage to the next and window
 *     results are emitted
 * @param retention how long tumbling and hopping windows are kept for queries
 * @param maxFuture how far ahead of this instance's clock an image's or a label's timestamp may be;
 *     records further ahead go to the dead-letter topic (see {@link FutureTimestampCheck})
 */
public record AccuracySettings(
    Duration lateness,
    Duration grace,
    Duration idle,
    Duration tumbling,
    Duration hopping,
    Duration advance,
    Duration flushInterval,
    Duration retention,
    Duration maxFuture) {

  public static final String LATENESS_MS = "digitstream.join.lateness.ms";
  public static final String GRACE_MS = "digitstream.join.grace.ms";
  public static final String IDLE_MS = "digitstream.join.idle.ms";
  public static final String TUMBLING_MS = "digitstream.accuracy.tumbling.ms";
  public static final String HOPPING_MS = "digitstream.accuracy.hopping.ms";
  public static final String ADVANCE_MS = "digitstream.accuracy.advance.ms";
  public static final String FLUSH_MS = "digitstream.accuracy.flush.ms";
  public static final String RETENTION_MS = "digitstream.accuracy.retention.ms";
  public static final String MAX_FUTURE_MS = "digitstream.timestamps.max.future.ms";

  public AccuracySettings {
    Objects.requireNonNull(lateness, "lateness");
    Objects.requireNonNull(grace, "grace");
    Objects.requireNonNull(idle, "idle");
    Objects.requireNonNull(tumbling, "tumbling");
    Objects.requireNonNull(hopping, "hopping");
    Objects.requireNonNull(advance, "advance");
    Objects.requireNonNull(flushInterval, "flushInterval");
    Objects.requireNonNull(retention, "retention");
    Objects.requireNonNull(maxFuture, "maxFuture");
    if (tumbling.toMillis() % advance.toMillis() != 0) {
      throw ConfigException.invalid(
          TUMBLING_MS,
          tumbling.toMillis(),
          "a multiple of " + ADVANCE_MS + " (" + advance.toMillis() + ")");
    }
    if (hopping.toMillis() % advance.toMillis() != 0) {
      throw ConfigException.invalid(
          HOPPING_MS,
          hopping.toMillis(),
          "a multiple of " + ADVANCE_MS + " (" + advance.toMillis() + ")");
    }
    long longest = Math.max(tumbling.toMillis(), hopping.toMillis());
    if (retention.toMillis() < longest) {
      throw ConfigException.invalid(
          RETENTION_MS, retention.toMillis(), "at least the longest window (" + longest + " ms)");
    }
  }

  /**
   * The defaults: 5 min lateness, 1 min grace, 30 s idle, 1 min tumbling, 5 min hopping by 10 s,
   * timestamps at most 1 min ahead. The future tolerance is the grace: a record that far ahead can
   * move join time forward by at most what the grace already allows for, so no round closes before
   * its lateness has passed; and it is far above the clock differences of hosts that sync their
   * clocks (milliseconds) and the stream thread's clock lag (one loop), far below the hours of a
   * time-zone bug.
   */
  public static AccuracySettings defaults() {
    return new AccuracySettings(
        Duration.ofMinutes(5),
        Duration.ofMinutes(1),
        Duration.ofSeconds(30),
        Duration.ofMinutes(1),
        Duration.ofMinutes(5),
        Duration.ofSeconds(10),
        Duration.ofSeconds(1),
        Duration.ofHours(1),
        Duration.ofMinutes(1));
  }

  /** How long a round of the join stays open: a partner may still arrive until then. */
  public long openMillis() {
    return lateness.toMillis() + grace.toMillis();
  }

  /** The start of the time bucket (of {@link #advance}) holding {@code timestamp}. */
  public long bucketOf(long timestamp) {
    return Math.floorDiv(timestamp, advance.toMillis()) * advance.toMillis();
  }
}
