package io.digitstream.streams.scoring;

/**
 * The network failed on a batch of images that had all passed validation. This is a fault of the
 * model or the native runtime, not of a record, so it stops the stream thread instead of sending
 * innocent images to the dead-letter topic; under exactly-once the batch is scored again after the
 * restart.
 */
public class ScoringException extends RuntimeException {
  public ScoringException(String message, Throwable cause) {
    super(message, cause);
  }
}
