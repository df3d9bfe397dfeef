package io.digitstream.record;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * One 28×28 grayscale digit, MNIST polarity: row-major, 0 = background, 255 = ink.
 *
 * @param id stable identifier, also the Kafka key; 1–{@value #MAX_ID_LENGTH} characters
 * @param pixels exactly {@value #PIXELS} bytes, read as unsigned
 * @param source where the image came from (e.g. {@code mnist-test}, a file path), or null
 */
public record DigitImage(String id, byte[] pixels, String source) {
  public static final int SIDE = 28;
  public static final int PIXELS = SIDE * SIDE;
  public static final int MAX_ID_LENGTH = 256;

  public DigitImage {
    validateId(id);
    Objects.requireNonNull(pixels, "pixels");
    if (pixels.length != PIXELS) {
      throw new InvalidRecordException(
          "pixels must hold " + PIXELS + " values (28x28), got " + pixels.length);
    }
    pixels = pixels.clone();
    if (source != null && source.length() > 4096) {
      throw new InvalidRecordException("source is longer than 4096 characters");
    }
  }

  static void validateId(String id) {
    if (id == null || id.isBlank()) {
      throw new InvalidRecordException("id is missing or empty");
    }
    if (id.length() > MAX_ID_LENGTH) {
      throw new InvalidRecordException(
          "id is " + id.length() + " characters long, at most " + MAX_ID_LENGTH + " allowed");
    }
  }

  /** A copy of the pixels; the record stays immutable. */
  @Override
  public byte[] pixels() {
    return pixels.clone();
  }

  /** The pixel at (row, column) as 0–255. */
  public int pixel(int row, int column) {
    return pixels[row * SIDE + column] & 0xFF;
  }

  /** The pixels as base64, the encoding used on the images topic. */
  public String pixelsBase64() {
    return Base64.getEncoder().encodeToString(pixels);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DigitImage other
        && id.equals(other.id)
        && Arrays.equals(pixels, other.pixels)
        && Objects.equals(source, other.source);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, Arrays.hashCode(pixels), source);
  }

  @Override
  public String toString() {
    return "DigitImage[id=" + id + ", source=" + source + "]";
  }
}
