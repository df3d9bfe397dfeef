package io.digitstream.record;

/**
 * The true digit of an image, published on the labels topic, possibly long after the image.
 *
 * @param id the image id, also the Kafka key
 * @param label the digit 0–9
 */
public record DigitLabel(String id, int label) {
  public DigitLabel {
    DigitImage.validateId(id);
    if (label < 0 || label > 9) {
      throw new InvalidRecordException("label must be a digit 0-9, got " + label);
    }
  }
}
