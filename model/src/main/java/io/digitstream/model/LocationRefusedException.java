package io.digitstream.model;

/**
 * A bundle location refused on its text alone (not absolute, {@code ..}, outside the model
 * directories): the same announcement gets the same answer every time, so it is not retried.
 */
public final class LocationRefusedException extends ModelBundleException {
  public LocationRefusedException(String message) {
    super(message);
  }
}
