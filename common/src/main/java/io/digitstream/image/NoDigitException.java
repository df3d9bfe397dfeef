package io.digitstream.image;

/**
 * A picture with nothing that stands out from its background, so no digit to crop: the input's
 * fault, not the preprocessor's.
 */
public class NoDigitException extends IllegalArgumentException {
  public NoDigitException(String message) {
    super(message);
  }
}
