package io.digitstream.streams.monitor;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Which of the page's image rings a question is about; written as its {@link #label()}. */
public enum ImageKind {
  /** Paired with a label that says the prediction was wrong. */
  MISCLASSIFIED("misclassified"),
  /** The least confident predictions whose label has not come (yet). */
  UNCONFIDENT("unconfident"),
  /** Inputs flagged out of distribution whose label has not come (yet). */
  OOD("ood");

  private final String label;

  ImageKind(String label) {
    this.label = label;
  }

  @JsonValue
  public String label() {
    return label;
  }

  /** The kind named {@code label}; the message lists the accepted names. */
  @JsonCreator
  public static ImageKind parse(String label) {
    for (ImageKind kind : values()) {
      if (kind.label.equals(label)) {
        return kind;
      }
    }
    throw new IllegalArgumentException(
        "kind must be one of "
            + Arrays.stream(values()).map(ImageKind::label).collect(Collectors.joining(", "))
            + ", got '"
            + label
            + "'");
  }
}
