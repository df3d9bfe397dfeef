package io.digitstream.streams.models;

import io.digitstream.config.ConfigException;
import java.time.Duration;

/**
 * How refused announcements are retried and how instances compare their models.
 *
 * @param retryInitial the wait before the first retry of a refused announcement; doubled after each
 * @param retryMax the longest wait between two retries
 * @param retryAttempts retries of one announcement before giving up on it; 0 = never give up
 * @param peerInterval how often the other instances are asked which models they serve
 * @param divergenceGrace how long instances may serve different active models (a switch reaching
 *     the fleet one instance at a time) before {@code /health} says DEGRADED
 */
public record ModelSettings(
    Duration retryInitial,
    Duration retryMax,
    int retryAttempts,
    Duration peerInterval,
    Duration divergenceGrace) {
  public static final String RETRY_INITIAL_MS = "digitstream.models.retry.initial.ms";
  public static final String RETRY_MAX_MS = "digitstream.models.retry.max.ms";
  public static final String RETRY_ATTEMPTS = "digitstream.models.retry.attempts";
  public static final String PEER_INTERVAL_MS = "digitstream.models.peers.interval.ms";
  public static final String DIVERGENCE_GRACE_MS = "digitstream.models.divergence.grace.ms";

  public ModelSettings {
    if (retryMax.compareTo(retryInitial) < 0) {
      throw ConfigException.invalid(
          RETRY_MAX_MS, String.valueOf(retryMax.toMillis()), "at least " + RETRY_INITIAL_MS);
    }
  }

  public static ModelSettings defaults() {
    return new ModelSettings(
        Duration.ofSeconds(1),
        Duration.ofMinutes(1),
        0,
        Duration.ofSeconds(5),
        Duration.ofSeconds(30));
  }

  /** The wait before retry number {@code attempt} (1 = the first): doubling, capped. */
  public Duration retryDelay(int attempt) {
    long initial = retryInitial.toMillis();
    long delay = initial << Math.min(Math.max(attempt - 1, 0), 30);
    return Duration.ofMillis(
        Math.min(delay < initial ? Long.MAX_VALUE : delay, retryMax.toMillis()));
  }

  /** Whether retry number {@code attempt} may still be made. */
  public boolean mayRetry(int attempt) {
    return retryAttempts == 0 || attempt <= retryAttempts;
  }
}
