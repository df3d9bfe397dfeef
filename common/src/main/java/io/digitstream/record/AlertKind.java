package io.digitstream.record;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What an {@link Alert} is about; written in JSON as its {@link #label()}. */
public enum AlertKind {
  /** The predicted-digit mix differs from the training labels' mix. */
  DIGIT_MIX_DRIFT("digit-mix-drift"),
  /** Input statistics (ink, ink box, spread, grey levels) differ from the training images'. */
  INPUT_DRIFT("input-drift"),
  /** The distribution of calibrated confidence differs from the validation set's. */
  CONFIDENCE_DRIFT("confidence-drift"),
  /** Accuracy estimated from the calibrated probabilities, without labels, has dropped. */
  ESTIMATED_ACCURACY_DROP("estimated-accuracy-drop"),
  /** Accuracy measured against the labels has dropped. */
  MEASURED_ACCURACY_DROP("measured-accuracy-drop"),
  /** The change detector on the stream of errors (labels needed) saw the error rate rise. */
  ERROR_RATE_CHANGE("error-rate-change"),
  /** More inputs than usual are not digits at all. */
  OUT_OF_DISTRIBUTION_RISE("out-of-distribution-rise"),
  /** More records than usual went to the dead-letter topic. */
  DEAD_LETTER_RISE("dead-letter-rise");

  private final String label;

  AlertKind(String label) {
    this.label = label;
  }

  @JsonValue
  public String label() {
    return label;
  }

  @JsonCreator
  public static AlertKind of(String label) {
    for (AlertKind kind : values()) {
      if (kind.label.equals(label)) {
        return kind;
      }
    }
    throw new InvalidRecordException("unknown alert kind '" + label + "'");
  }
}
