package io.digitstream.record;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A model bundle announced on the models topic: which version to serve, where its files are, and
 * the SHA-256 its {@code network.zip} must have. The weights never travel in the record; every
 * instance reads them from {@code location}, which it must be able to reach (a shared volume, the
 * same path baked into each image).
 *
 * @param version the bundle's version, as in its {@code bundle.json}
 * @param location an absolute path of the bundle directory, or a {@code file:} URI of it
 * @param sha256 64 lower-case hex digits: the SHA-256 of the bundle's {@code network.zip}
 * @param role what the model is for; only {@value #ACTIVE} (the model that scores every image)
 * @param announcedAt when it was announced, epoch milliseconds
 */
public record ModelAnnouncement(
    String version, String location, String sha256, String role, long announcedAt) {
  /** The role of the model that scores every image; also the record key. */
  public static final String ACTIVE = "active";

  private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  public ModelAnnouncement {
    if (version == null || !VERSION.matcher(version).matches()) {
      throw new InvalidRecordException(
          "version must be 1-64 characters from [A-Za-z0-9._-], got " + quoted(version));
    }
    if (location == null || location.isBlank()) {
      throw new InvalidRecordException("location must name the bundle directory, got none");
    }
    if (location.length() > 4096) {
      throw new InvalidRecordException("location is longer than 4096 characters");
    }
    if (sha256 == null || !SHA256.matcher(sha256.toLowerCase(Locale.ROOT)).matches()) {
      throw new InvalidRecordException(
          "sha256 must be 64 hex digits (the SHA-256 of network.zip), got " + quoted(sha256));
    }
    sha256 = sha256.toLowerCase(Locale.ROOT);
    // Absent means active, so a hand-typed announcement needs only the three facts.
    role = role == null ? ACTIVE : role;
    if (!ACTIVE.equals(role)) {
      throw new InvalidRecordException("role must be '" + ACTIVE + "', got " + quoted(role));
    }
    if (announcedAt < 0) {
      throw new InvalidRecordException(
          "announcedAt must be epoch milliseconds, got " + announcedAt);
    }
  }

  /** The announcement's record key: its role, so a compacted topic keeps the latest per role. */
  public String key() {
    return role;
  }

  private static String quoted(String s) {
    return s == null ? "none" : "'" + s + "'";
  }
}
