package io.digitstream.producer;

import io.digitstream.producer.source.BadInput;
import io.digitstream.producer.source.InternalFailure;

/**
 * What a caller of {@link DigitPublisher#publish} hears while a run goes on. Every method is called
 * from the publishing thread and should return quickly; all have empty defaults.
 */
public interface PublishListener {
  /** Hears nothing. */
  PublishListener NONE = new PublishListener() {};

  /** A snapshot, at most every 100 ms and once more with {@link Progress#finished()} true. */
  default void progress(Progress progress) {}

  /** An input was skipped. */
  default void badInput(BadInput input) {}

  /** An input was skipped because digitstream failed on it (a bug, not the input's fault). */
  default void internalFailure(InternalFailure failure) {}

  /** Something a person watching would want to know, e.g. that a topic was created. */
  default void notice(String message) {}
}
