package io.digitstream.record;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Whether an {@link Alert} is firing; written in JSON in lower case. */
public enum AlertState {
  FIRING,
  RESOLVED;

  @JsonValue
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  @JsonCreator
  public static AlertState of(String label) {
    for (AlertState state : values()) {
      if (state.label().equals(label)) {
        return state;
      }
    }
    throw new InvalidRecordException("unknown alert state '" + label + "'");
  }
}
