package io.digitstream.model;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Inspects a DL4J {@code network.zip} before {@code ModelSerializer} reads it.
 *
 * <p>{@code ModelSerializer.restoreMultiLayerNetwork} (1.0.0-M2.1) reads {@code preprocessor.bin}
 * with a plain {@code ObjectInputStream.readObject()}, so a crafted archive could run a
 * deserialisation gadget. Only the entries it writes for a {@code MultiLayerNetwork} without a data
 * normaliser are admitted; none of them is Java-deserialised (JSON and ND4J arrays). The archive is
 * read with the same {@link ZipInputStream} that DL4J uses, so both see the same entries.
 */
final class NetworkArchive {
  /** configuration.json, coefficients.bin, and what ModelSerializer may add for our networks. */
  static final Set<String> ALLOWED =
      Set.of("configuration.json", "coefficients.bin", "noParams.marker", "updaterState.bin");

  static final int MAX_ENTRIES = ALLOWED.size();
  // Far above any network of this project (1.7 MB unpacked); guards against a zip bomb.
  static final long MAX_UNCOMPRESSED_BYTES = 512L << 20;

  private NetworkArchive() {}

  /**
   * @throws ModelBundleException naming the first entry that is not admitted, or the limit passed
   */
  static void check(byte[] zip, String name) {
    Set<String> seen = new HashSet<>();
    long total = 0;
    byte[] buf = new byte[64 << 10];
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      ZipEntry entry;
      while ((entry = in.getNextEntry()) != null) {
        String entryName = entry.getName();
        if (!ALLOWED.contains(entryName)) {
          throw new ModelBundleException(
              name
                  + " holds the entry '"
                  + entryName
                  + "', which is not part of a network this application loads (allowed: "
                  + String.join(", ", new java.util.TreeSet<>(ALLOWED))
                  + ")");
        }
        if (!seen.add(entryName) || seen.size() > MAX_ENTRIES) {
          throw new ModelBundleException(name + " holds the entry '" + entryName + "' twice");
        }
        for (int n; (n = in.read(buf)) > 0; ) {
          total += n;
          if (total > MAX_UNCOMPRESSED_BYTES) {
            throw new ModelBundleException(
                name + " unpacks to more than " + MAX_UNCOMPRESSED_BYTES + " bytes");
          }
        }
      }
    } catch (IOException e) {
      throw new ModelBundleException(name + " is not a readable zip: " + e.getMessage(), e);
    }
    if (!seen.contains("configuration.json")) {
      throw new ModelBundleException(name + " holds no configuration.json");
    }
  }
}
