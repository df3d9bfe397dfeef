package io.digitstream.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Ed25519 key files for signing bundles, in PEM: {@value #PRIVATE_FILE} (PKCS#8, owner-only) and
 * {@value #PUBLIC_FILE} (X.509 SubjectPublicKeyInfo), the forms {@code openssl pkey} reads.
 */
public final class ModelKeys {
  public static final String PRIVATE_FILE = "model-signing.key";
  public static final String PUBLIC_FILE = "model-signing.pub";
  static final String ALGORITHM = "Ed25519";
  private static final String PRIVATE_LABEL = "PRIVATE KEY";
  private static final String PUBLIC_LABEL = "PUBLIC KEY";

  private ModelKeys() {}

  /**
   * Writes a new key pair into {@code dir}; refuses to overwrite a key already there.
   *
   * @return the private key file
   */
  public static Path generate(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path privateFile = dir.resolve(PRIVATE_FILE);
    Path publicFile = dir.resolve(PUBLIC_FILE);
    if (Files.exists(privateFile) || Files.exists(publicFile)) {
      throw new IOException(privateFile + " or " + publicFile + " exists already; not replaced");
    }
    KeyPair pair;
    try {
      pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no Ed25519", e);
    }
    // Created owner-only before the key is written, so it is never readable by others.
    if (privateFile.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.createFile(
          privateFile,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    Files.writeString(privateFile, pem(PRIVATE_LABEL, pair.getPrivate().getEncoded()));
    Files.writeString(publicFile, pem(PUBLIC_LABEL, pair.getPublic().getEncoded()));
    return privateFile;
  }

  public static PrivateKey readPrivate(Path file) {
    try {
      return KeyFactory.getInstance(ALGORITHM)
          .generatePrivate(new PKCS8EncodedKeySpec(unpem(file, PRIVATE_LABEL)));
    } catch (GeneralSecurityException e) {
      throw new ModelBundleException(file + " is not an Ed25519 private key: " + e.getMessage(), e);
    }
  }

  public static PublicKey readPublic(Path file) {
    try {
      return KeyFactory.getInstance(ALGORITHM)
          .generatePublic(new X509EncodedKeySpec(unpem(file, PUBLIC_LABEL)));
    } catch (GeneralSecurityException e) {
      throw new ModelBundleException(file + " is not an Ed25519 public key: " + e.getMessage(), e);
    }
  }

  public static List<PublicKey> readPublic(List<Path> files) {
    List<PublicKey> keys = new ArrayList<>();
    for (Path file : files) {
      keys.add(readPublic(file));
    }
    return keys;
  }

  private static String pem(String label, byte[] der) {
    return "-----BEGIN "
        + label
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + label
        + "-----\n";
  }

  private static byte[] unpem(Path file, String label) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new ModelBundleException("cannot read the key file " + file + ": " + e.getMessage(), e);
    }
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int from = text.indexOf(begin);
    int to = text.indexOf(end);
    if (from < 0 || to < from) {
      throw new ModelBundleException(file + " is not a PEM file with a '" + label + "' block");
    }
    try {
      return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
    } catch (IllegalArgumentException e) {
      throw new ModelBundleException(file + " holds invalid base64: " + e.getMessage(), e);
    }
  }
}
