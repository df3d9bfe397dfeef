package io.digitstream.producer.source;

import io.digitstream.record.DigitImage;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * An image with its true digit when the source knows it.
 *
 * @param image the record to publish; its id is stable across runs
 * @param label the true digit 0–9, or empty when unknown
 */
public record LabelledImage(DigitImage image, OptionalInt label) implements SourceItem {
  public LabelledImage {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(label, "label");
    if (label.isPresent() && (label.getAsInt() < 0 || label.getAsInt() > 9)) {
      throw new IllegalArgumentException("label must be a digit 0-9, got " + label.getAsInt());
    }
  }
}
