package io.digitstream.record;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The state of one alert, the value of the alerts topic: a record is written when an alert fires,
 * when it clears, and never in between, keyed by {@link #key()} so that a compacted topic holds the
 * current state of each alert (see docs/records.md).
 *
 * @param modelVersion the model version it is about, or {@value #ALL_VERSIONS} for alerts about the
 *     input as a whole (dead letters)
 * @param kind what is wrong
 * @param state firing or resolved
 * @param value the figure that crossed the threshold (or, when resolved, the figure that cleared
 *     it)
 * @param threshold the threshold it is compared with, from the settings
 * @param windowStart start of the window the figure comes from, epoch ms (image time)
 * @param windowEnd end of that window, epoch ms, exclusive
 * @param count images (or pairs, for measured accuracy) in that window
 * @param firedAt when the alert fired, epoch ms (image time of its window end); kept when resolved
 * @param changedAt wall-clock time of this state change, epoch ms
 * @param message what happened, for people
 */
@JsonPropertyOrder({
  "modelVersion",
  "kind",
  "state",
  "value",
  "threshold",
  "windowStart",
  "windowEnd",
  "count",
  "firedAt",
  "changedAt",
  "message"
})
public record Alert(
    String modelVersion,
    AlertKind kind,
    AlertState state,
    double value,
    double threshold,
    long windowStart,
    long windowEnd,
    long count,
    long firedAt,
    long changedAt,
    String message) {
  /** {@link #modelVersion} of an alert that is not about one model version. */
  public static final String ALL_VERSIONS = "all";

  public Alert {
    if (modelVersion == null || modelVersion.isBlank()) {
      throw new InvalidRecordException("modelVersion is missing");
    }
    if (kind == null) {
      throw new InvalidRecordException("kind is missing");
    }
    if (state == null) {
      throw new InvalidRecordException("state is missing");
    }
  }

  /** The alerts topic's key: {@code <modelVersion>|<kind>}. */
  public String key() {
    return key(modelVersion, kind);
  }

  public static String key(String modelVersion, AlertKind kind) {
    return modelVersion + '|' + kind.label();
  }

  public boolean firing() {
    return state == AlertState.FIRING;
  }
}
