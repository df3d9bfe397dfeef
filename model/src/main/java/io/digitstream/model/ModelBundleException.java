package io.digitstream.model;

/** A model bundle that is missing, corrupt, or does not match its metadata. */
public class ModelBundleException extends RuntimeException {
  public ModelBundleException(String message) {
    super(message);
  }

  public ModelBundleException(String message, Throwable cause) {
    super(message, cause);
  }
}
