package io.digitstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.digitstream.model.BundleSignature;
import io.digitstream.model.ModelBundle;
import io.digitstream.model.ModelKeys;
import io.digitstream.testkit.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code model-key} and {@code sign-model}, no broker. */
class SignModelCommandTest {
  static final Path BUNDLE = Path.of("../streams-app/src/test/resources/model-b");

  @TempDir Path dir;

  @Test
  void makesAKeyPairAndSignsABundleThatVerifiesWithItsPublicKey() throws Exception {
    Path keys = dir.resolve("keys");
    CliRun made = Trainer.run("model-key", "--out", keys.toString());
    assertThat(made.exitCode()).as(made.err()).isZero();
    assertThat(Trainer.run("model-key", "--out", keys.toString()).exitCode()).isNotZero();

    Path copy = copy(BUNDLE, dir.resolve("b"));
    CliRun signed =
        Trainer.run(
            "sign-model",
            copy.toString(),
            "--key",
            keys.resolve(ModelKeys.PRIVATE_FILE).toString());

    assertThat(signed.exitCode()).as(signed.err()).isZero();
    assertThat(signed.out()).contains("Signed model");
    assertThatCode(
            () ->
                BundleSignature.verify(
                    ModelBundle.open(copy),
                    List.of(ModelKeys.readPublic(keys.resolve(ModelKeys.PUBLIC_FILE)))))
        .doesNotThrowAnyException();
  }

  @Test
  void refusesAKeyFileThatIsNotAPrivateKey() throws Exception {
    Path copy = copy(BUNDLE, dir.resolve("b"));
    Path notAKey = Files.writeString(dir.resolve("key.pem"), "hello\n");

    CliRun run = Trainer.run("sign-model", copy.toString(), "--key", notAKey.toString());

    assertThat(run.exitCode()).isNotZero();
    assertThat(run.err()).contains("is not a PEM file");
    assertThat(copy.resolve(ModelBundle.SIGNATURE_FILE)).doesNotExist();
  }

  static Path copy(Path source, Path target) throws Exception {
    Files.createDirectories(target);
    for (String f : List.of(ModelBundle.METADATA_FILE, ModelBundle.NETWORK_FILE)) {
      Files.copy(source.resolve(f), target.resolve(f));
    }
    return target;
  }
}
