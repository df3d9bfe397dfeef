package io.digitstream.record;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A model bundle announced on the models topic: which version to serve, in which role, where its
 * files are, and the SHA-256 its {@code network.zip} must have. The weights never travel in the
 * record; every instance reads them from {@code location}, which it must be able to reach (a shared
 * volume, the same path baked into each image).
 *
 * @param version the bundle's version, as in its {@code bundle.json}
 * @param location an absolute path of the bundle directory, or a {@code file:} URI of it; may be
 *     absent only when {@code retire} is true
 * @param sha256 64 hex digits: the SHA-256 of the bundle's {@code network.zip}; may be absent only
 *     when {@code retire} is true
 * @param role {@value #ACTIVE} (the model whose predictions go to the predictions topic; the
 *     default) or {@value #SHADOW} (a candidate scored alongside it, for comparison)
 * @param announcedAt when it was announced, epoch milliseconds
 * @param retire with role {@value #SHADOW}: end shadow mode (the active model cannot be retired,
 *     only replaced)
 */
public record ModelAnnouncement(
    String version, String location, String sha256, String role, long announcedAt, boolean retire) {
  /** The role of the model that scores every image for the predictions topic. */
  public static final String ACTIVE = "active";

  /** The role of a candidate scored alongside the active model. */
  public static final String SHADOW = "shadow";

  private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  public ModelAnnouncement {
    if (version == null || !VERSION.matcher(version).matches()) {
      throw new InvalidRecordException(
          "version must be 1-64 characters from [A-Za-z0-9._-], got " + quoted(version));
    }
    // Absent means active, so a hand-typed announcement needs only the three facts.
    role = role == null ? ACTIVE : role;
    if (!ACTIVE.equals(role) && !SHADOW.equals(role)) {
      throw new InvalidRecordException(
          "role must be '" + ACTIVE + "' or '" + SHADOW + "', got " + quoted(role));
    }
    if (retire && !SHADOW.equals(role)) {
      throw new InvalidRecordException(
          "only a shadow can be retired; replace the active model by announcing another");
    }
    if (!retire) {
      if (location == null || location.isBlank()) {
        throw new InvalidRecordException("location must name the bundle directory, got none");
      }
      if (sha256 == null || !SHA256.matcher(sha256.toLowerCase(Locale.ROOT)).matches()) {
        throw new InvalidRecordException(
            "sha256 must be 64 hex digits (the SHA-256 of network.zip), got " + quoted(sha256));
      }
    }
    if (location != null && location.length() > 4096) {
      throw new InvalidRecordException("location is longer than 4096 characters");
    }
    sha256 = sha256 == null ? null : sha256.toLowerCase(Locale.ROOT);
    if (announcedAt < 0) {
      throw new InvalidRecordException(
          "announcedAt must be epoch milliseconds, got " + announcedAt);
    }
  }

  /**
   * From JSON: {@code role}, {@code announcedAt} and {@code retire} may be left out (active, 0,
   * false), so that a person can type an announcement with the three facts that matter.
   */
  @JsonCreator
  static ModelAnnouncement fromJson(
      @JsonProperty("version") String version,
      @JsonProperty("location") String location,
      @JsonProperty("sha256") String sha256,
      @JsonProperty("role") String role,
      @JsonProperty("announcedAt") Long announcedAt,
      @JsonProperty("retire") Boolean retire) {
    return new ModelAnnouncement(
        version,
        location,
        sha256,
        role,
        announcedAt == null ? 0 : announcedAt,
        retire != null && retire);
  }

  /** An announcement that makes {@code version} at {@code location} the model of {@code role}. */
  public static ModelAnnouncement of(
      String role, String version, String location, String sha256, long announcedAt) {
    return new ModelAnnouncement(version, location, sha256, role, announcedAt, false);
  }

  /** An announcement that ends shadow mode; {@code version} is the shadow being retired. */
  public static ModelAnnouncement retireShadow(String version, long announcedAt) {
    return new ModelAnnouncement(version, null, null, SHADOW, announcedAt, true);
  }

  /** The announcement's record key: its role, so a compacted topic keeps the latest per role. */
  public String key() {
    return role;
  }

  private static String quoted(String s) {
    return s == null ? "none" : "'" + s + "'";
  }
}
