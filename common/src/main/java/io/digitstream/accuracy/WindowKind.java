package io.digitstream.accuracy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The three views of accuracy the application keeps for every model version. */
public enum WindowKind {
  /** Back-to-back windows of {@code digitstream.accuracy.tumbling.ms} (default 1 minute). */
  TUMBLING,
  /** Overlapping windows of {@code hopping.ms} (5 min) that start every {@code advance.ms}. */
  HOPPING,
  /** Everything since the first pair of the model version. */
  CUMULATIVE;

  /** The lower-case name used in JSON, record keys and URLs. */
  @JsonValue
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code tumbling}, {@code hopping} or {@code cumulative}, any case. */
  @JsonCreator
  public static WindowKind parse(String text) {
    for (WindowKind kind : values()) {
      if (kind.label().equalsIgnoreCase(text)) {
        return kind;
      }
    }
    throw new IllegalArgumentException(
        "unknown window kind '" + text + "': expected tumbling, hopping or cumulative");
  }
}
