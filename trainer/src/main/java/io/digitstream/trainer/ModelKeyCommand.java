package io.digitstream.trainer;

import io.digitstream.model.ModelKeys;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code digitstream model-key}: makes an Ed25519 key pair for signing model bundles. */
@Command(
    name = "model-key",
    description = {
      "Make an Ed25519 key pair for signing model bundles.",
      "Writes "
          + ModelKeys.PRIVATE_FILE
          + " (PKCS#8 PEM, owner-only) and "
          + ModelKeys.PUBLIC_FILE
          + " (X.509 PEM; list it in digitstream.models.trusted.keys)."
    },
    mixinStandardHelpOptions = true)
final class ModelKeyCommand implements Callable<Integer> {
  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Directory for the key files; existing keys are never replaced.")
  Path out;

  @Override
  public Integer call() throws IOException {
    Path privateKey = ModelKeys.generate(out);
    System.out.printf(
        "Wrote %s (keep it secret) and %s%n", privateKey, out.resolve(ModelKeys.PUBLIC_FILE));
    return 0;
  }
}
