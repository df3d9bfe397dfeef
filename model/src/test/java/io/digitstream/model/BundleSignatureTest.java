package io.digitstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signatures over the committed bundle's files, with keys made for the test. */
class BundleSignatureTest {
  private static final Path SHIPPED = Path.of("..", "models", "default");
  @TempDir static Path keys;
  @TempDir Path dir;
  static PrivateKey signing;
  static PublicKey trusted;
  static PublicKey other;

  @BeforeAll
  static void makeKeys() throws Exception {
    signing = ModelKeys.readPrivate(ModelKeys.generate(keys.resolve("a")));
    trusted = ModelKeys.readPublic(keys.resolve("a").resolve(ModelKeys.PUBLIC_FILE));
    ModelKeys.generate(keys.resolve("b"));
    other = ModelKeys.readPublic(keys.resolve("b").resolve(ModelKeys.PUBLIC_FILE));
  }

  @Test
  void writesThePrivateKeyOwnerOnlyAndNeverOverwritesIt() throws Exception {
    Path file = keys.resolve("a").resolve(ModelKeys.PRIVATE_FILE);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(file)).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThatThrownBy(() -> ModelKeys.generate(keys.resolve("a")))
        .hasMessageContaining("not replaced");
  }

  @Test
  void acceptsABundleSignedByATrustedKey() throws Exception {
    ModelBundle signed = BundleSignature.sign(copy(), signing);

    assertThatCode(() -> BundleSignature.verify(signed, List.of(other, trusted)))
        .doesNotThrowAnyException();
  }

  @Test
  void refusesAWrongKeyAndAnUnsignedBundle() throws Exception {
    ModelBundle signed = BundleSignature.sign(copy(), signing);
    assertThatThrownBy(() -> BundleSignature.verify(signed, List.of(other)))
        .hasMessageContaining("does not match");
    assertThatThrownBy(() -> BundleSignature.verify(ModelBundle.open(SHIPPED), List.of(trusted)))
        .hasMessageContaining("unsigned");
  }

  @Test
  void refusesAChangedFile() throws Exception {
    Path bundle = copy();
    BundleSignature.sign(bundle, signing);
    Path meta = bundle.resolve(ModelBundle.METADATA_FILE);
    Files.writeString(meta, Files.readString(meta).replace("\"version\"", " \"version\""));

    assertThatThrownBy(() -> BundleSignature.verify(ModelBundle.open(bundle), List.of(trusted)))
        .hasMessageContaining("does not match");
  }

  @Test
  void refusesAFileAddedOrRemovedAfterSigning() throws Exception {
    Path added = copy();
    Files.writeString(added.resolve("reference.json"), "{}");
    BundleSignature.sign(added, signing);
    assertThatCode(() -> BundleSignature.verify(ModelBundle.open(added), List.of(trusted)))
        .doesNotThrowAnyException();

    Files.writeString(added.resolve("extra.json"), "{}");
    assertThatThrownBy(() -> BundleSignature.verify(ModelBundle.open(added), List.of(trusted)))
        .hasMessageContaining("does not match");
    Files.delete(added.resolve("extra.json"));
    Files.delete(added.resolve("reference.json"));
    assertThatThrownBy(() -> BundleSignature.verify(ModelBundle.open(added), List.of(trusted)))
        .hasMessageContaining("does not match");
  }

  @Test
  void theSignatureCoversMonitoringJson() throws Exception {
    Path bundle = copy();
    Files.copy(
        SHIPPED.resolve(ModelBundle.MONITORING_FILE), bundle.resolve(ModelBundle.MONITORING_FILE));
    ModelBundle signed = BundleSignature.sign(bundle, signing);
    assertThat(signed.files()).containsKey(ModelBundle.MONITORING_FILE);
    assertThatCode(() -> BundleSignature.verify(ModelBundle.open(bundle), List.of(trusted)))
        .doesNotThrowAnyException();

    Path file = bundle.resolve(ModelBundle.MONITORING_FILE);
    Files.writeString(file, Files.readString(file).replace("1.1378", "1.5"));

    assertThatThrownBy(() -> BundleSignature.verify(ModelBundle.open(bundle), List.of(trusted)))
        .hasMessageContaining("does not match");
  }

  @Test
  void refusesALinkInsideTheBundle() throws Exception {
    Path bundle = copy();
    BundleSignature.sign(bundle, signing);
    Files.createSymbolicLink(bundle.resolve("notes"), Path.of("/etc/hostname"));

    assertThatThrownBy(() -> BundleSignature.verify(ModelBundle.open(bundle), List.of(trusted)))
        .hasMessageContaining("not regular files");
  }

  @Test
  void admitsOnlySignedBundlesUnderTheDirectories() throws Exception {
    Path signed = copy();
    BundleSignature.sign(signed, signing);
    Path unsigned = Files.createDirectories(dir.resolve("unsigned"));
    for (String f : List.of(ModelBundle.METADATA_FILE, ModelBundle.NETWORK_FILE)) {
      Files.copy(SHIPPED.resolve(f), unsigned.resolve(f));
    }
    ModelDirectories dirs = ModelDirectories.of(List.of(dir));
    ModelAdmission strict = new ModelAdmission(dirs, List.of(trusted), true);
    ModelAdmission lax = new ModelAdmission(dirs, List.of(other), false);

    assertThat(strict.open(signed.toString()).version())
        .isEqualTo(ModelBundle.open(SHIPPED).version());
    assertThatThrownBy(() -> strict.open(unsigned.toString())).hasMessageContaining("unsigned");
    assertThat(lax.open(unsigned.toString()).version()).hasSize(12);
    // Without the requirement a signature that is there must still verify.
    assertThatThrownBy(() -> lax.open(signed.toString())).hasMessageContaining("does not match");
    assertThatThrownBy(() -> strict.open(SHIPPED.toAbsolutePath().normalize().toString()))
        .hasMessage(ModelDirectories.OUTSIDE);
  }

  @Test
  void trustsAnUnsignedStartUpBundleButNotABadSignatureOnIt() throws Exception {
    ModelAdmission admission =
        new ModelAdmission(ModelDirectories.of(List.of(dir)), List.of(trusted), true);
    assertThatCode(() -> admission.checkConfigured(ModelBundle.open(SHIPPED)))
        .doesNotThrowAnyException();

    Path signed = copy();
    BundleSignature.sign(
        signed, ModelKeys.readPrivate(keys.resolve("b").resolve(ModelKeys.PRIVATE_FILE)));
    assertThatThrownBy(() -> admission.checkConfigured(ModelBundle.open(signed)))
        .hasMessageContaining("does not match");
  }

  private Path copy() throws Exception {
    Path target = Files.createDirectories(dir.resolve("bundle-" + System.nanoTime()));
    for (String f : List.of(ModelBundle.METADATA_FILE, ModelBundle.NETWORK_FILE)) {
      Files.copy(SHIPPED.resolve(f), target.resolve(f), StandardCopyOption.COPY_ATTRIBUTES);
    }
    return target;
  }
}
