package io.digitstream.record;

/**
 * A record that cannot be decoded or fails validation. The message is meant for people: it says
 * which field is wrong and what was expected, and it ends up in the dead-letter header.
 */
public class InvalidRecordException extends RuntimeException {
  public InvalidRecordException(String message) {
    super(message);
  }

  public InvalidRecordException(String message, Throwable cause) {
    super(message, cause);
  }
}
