package io.digitstream.model;

import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;

/**
 * What an announced bundle must pass before it is opened and loaded: it lies under a {@link
 * ModelDirectories} directory, and it is signed by a trusted key (unless signatures are not
 * required; then a signature it carries must still verify).
 */
public final class ModelAdmission {
  private final ModelDirectories dirs;
  private final List<PublicKey> trusted;
  private final boolean requireSignature;

  public ModelAdmission(ModelDirectories dirs, List<PublicKey> trusted, boolean requireSignature) {
    this.dirs = dirs;
    this.trusted = List.copyOf(trusted);
    this.requireSignature = requireSignature;
  }

  /**
   * The bundle {@code location} names, opened (bytes in memory) and checked.
   *
   * @throws ModelBundleException with the reason it is refused
   */
  public ModelBundle open(String location) {
    Path path = dirs.resolve(location);
    ModelBundle bundle = ModelBundle.open(path);
    if (requireSignature || bundle.signature().isPresent()) {
      BundleSignature.verify(bundle, trusted);
    }
    return bundle;
  }

  /**
   * The start-up bundle is chosen by the operator's configuration and need not be signed; if it is,
   * the signature must verify.
   */
  public void checkConfigured(ModelBundle bundle) {
    if (bundle.signature().isPresent()) {
      BundleSignature.verify(bundle, trusted);
    }
  }
}
