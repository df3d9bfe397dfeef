package io.digitstream.streams.web;

/** The REST server could not listen on its address; the message names the address and the keys. */
public class HttpBindException extends RuntimeException {
  public HttpBindException(String message, Throwable cause) {
    super(message, cause);
  }
}
