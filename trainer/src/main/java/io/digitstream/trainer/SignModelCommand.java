package io.digitstream.trainer;

import io.digitstream.model.BundleSignature;
import io.digitstream.model.ModelBundle;
import io.digitstream.model.ModelKeys;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code digitstream sign-model}: writes {@code bundle.sig} into a bundle without announcing it.
 */
@Command(
    name = "sign-model",
    description = "Sign a model bundle (writes bundle.sig) with an Ed25519 key from 'model-key'.",
    mixinStandardHelpOptions = true)
final class SignModelCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "BUNDLE", description = "The model bundle directory.")
  Path bundle;

  @Option(
      names = "--key",
      required = true,
      paramLabel = "FILE",
      description = "The private key file (" + ModelKeys.PRIVATE_FILE + ").")
  Path key;

  @Override
  public Integer call() throws IOException {
    ModelBundle signed = sign(bundle, key);
    System.out.printf(
        "Signed model %s in %s (%d files)%n",
        signed.version(), signed.directory(), signed.files().size());
    return 0;
  }

  /** Signs every file of the bundle as it is now; the bundle is opened and checked first. */
  static ModelBundle sign(Path bundle, Path key) throws IOException {
    return BundleSignature.sign(bundle, ModelKeys.readPrivate(key));
  }
}
