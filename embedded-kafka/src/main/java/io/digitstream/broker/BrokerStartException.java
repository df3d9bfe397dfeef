package io.digitstream.broker;

import java.util.OptionalInt;

/**
 * The embedded Kafka broker could not start. The message says why in terms a user can act on, for
 * example which port is already in use; the cause holds Kafka's own exception.
 */
public final class BrokerStartException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int portInUse;

  BrokerStartException(String message) {
    this(message, null);
  }

  BrokerStartException(String message, Throwable cause) {
    this(message, cause, -1);
  }

  BrokerStartException(String message, Throwable cause, int portInUse) {
    super(message, cause);
    this.portInUse = portInUse;
  }

  /** The port that another process (or broker) already listens on, if that is why start failed. */
  public OptionalInt portInUse() {
    return portInUse < 0 ? OptionalInt.empty() : OptionalInt.of(portInUse);
  }
}
