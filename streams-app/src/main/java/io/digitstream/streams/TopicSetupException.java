package io.digitstream.streams;

/** The application's topics could not be checked or created; the message says which and why. */
public class TopicSetupException extends RuntimeException {
  public TopicSetupException(String message, Throwable cause) {
    super(message, cause);
  }
}
