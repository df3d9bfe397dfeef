package io.digitstream.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Ed25519 signatures of bundles. {@code bundle.sig} holds {@value #PREFIX} and the base64 signature
 * of the {@link #manifest}: a header line, then one line per regular file of the bundle except
 * {@code bundle.sig} ({@code <sha-256> <name>}, sorted by name). A file added, removed or changed
 * after signing, or a link or directory in the bundle, makes the signature fail.
 */
public final class BundleSignature {
  static final String PREFIX = "ed25519 ";
  private static final String HEADER = "digitstream-bundle-manifest 1\n";

  private BundleSignature() {}

  /** Signs the bundle in {@code dir} as it is now, writing {@code bundle.sig}. */
  public static ModelBundle sign(Path dir, PrivateKey key) throws IOException {
    ModelBundle bundle = ModelBundle.open(dir);
    byte[] manifest = manifest(bundle);
    String signature;
    try {
      Signature signer = Signature.getInstance(ModelKeys.ALGORITHM);
      signer.initSign(key);
      signer.update(manifest);
      signature = Base64.getEncoder().encodeToString(signer.sign());
    } catch (GeneralSecurityException e) {
      throw new ModelBundleException("cannot sign with this key: " + e.getMessage(), e);
    }
    Path tmp = Files.createTempFile(bundle.directory(), ".bundle-sig", ".tmp");
    try {
      Files.writeString(tmp, PREFIX + signature + "\n");
      Files.move(tmp, bundle.directory().resolve(ModelBundle.SIGNATURE_FILE));
    } finally {
      Files.deleteIfExists(tmp);
    }
    return ModelBundle.open(dir);
  }

  /**
   * Checks {@code bundle}'s signature against {@code trusted}.
   *
   * @throws ModelBundleException if it is unsigned, or no trusted key made its signature
   */
  public static void verify(ModelBundle bundle, List<PublicKey> trusted) {
    String text =
        bundle
            .signature()
            .orElseThrow(() -> new ModelBundleException("refused: unsigned (no bundle.sig)"))
            .strip();
    if (!text.startsWith(PREFIX)) {
      throw new ModelBundleException("refused: bundle.sig is not an Ed25519 signature");
    }
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(text.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new ModelBundleException("refused: bundle.sig holds invalid base64");
    }
    byte[] manifest = manifest(bundle);
    for (PublicKey key : trusted) {
      try {
        Signature verifier = Signature.getInstance(ModelKeys.ALGORITHM);
        verifier.initVerify(key);
        verifier.update(manifest);
        if (verifier.verify(signature)) {
          return;
        }
      } catch (GeneralSecurityException e) {
        // A malformed signature verifies under no key; try the next.
      }
    }
    throw new ModelBundleException(
        "refused: the signature does not match the bundle's files under any of the "
            + trusted.size()
            + " trusted keys");
  }

  /** What a signature covers; refuses a bundle holding anything but regular files. */
  static byte[] manifest(ModelBundle bundle) {
    if (!bundle.otherEntries().isEmpty()) {
      throw new ModelBundleException(
          "refused: the bundle holds entries that are not regular files: " + bundle.otherEntries());
    }
    StringBuilder out = new StringBuilder(HEADER);
    for (Map.Entry<String, String> file : bundle.files().entrySet()) {
      if (file.getKey().indexOf('\n') >= 0) {
        throw new ModelBundleException("refused: a file name in the bundle holds a line break");
      }
      out.append(file.getValue()).append(' ').append(file.getKey()).append('\n');
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }
}
