package io.digitstream.streams.accuracy;

/**
 * The accuracy state cannot be read right now: the application is starting, rebalancing or
 * stopping, or the instance that holds a model version's state did not answer. Retry later; the
 * REST server answers 503.
 */
public class QueryUnavailableException extends RuntimeException {
  public QueryUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
