package io.digitstream.streams.models;

import io.digitstream.config.ConfigException;
import io.digitstream.config.Settings;
import io.digitstream.model.ModelAdmission;
import io.digitstream.model.ModelBundleException;
import io.digitstream.model.ModelDirectories;
import io.digitstream.model.ModelKeys;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Where announced bundles may come from and who must have signed them.
 *
 * @param dirs directories an announced bundle must lie under ({@value #DIRS}; default: the parent
 *     of the start-up bundle)
 * @param trustedKeys public key files of the signers whose bundles are loaded ({@value
 *     #TRUSTED_KEYS})
 * @param requireSignature whether announced bundles must carry a valid signature ({@value
 *     #REQUIRE_SIGNATURE}, default true)
 */
public record ModelSources(List<Path> dirs, List<Path> trustedKeys, boolean requireSignature) {
  public static final String DIRS = "digitstream.models.dirs";
  public static final String TRUSTED_KEYS = "digitstream.models.trusted.keys";
  public static final String REQUIRE_SIGNATURE = "digitstream.models.require.signature";

  public ModelSources {
    dirs = List.copyOf(dirs);
    trustedKeys = List.copyOf(trustedKeys);
  }

  /** From merged settings; {@code model} is the start-up bundle. */
  public static ModelSources from(Properties merged, Path model) {
    List<Path> dirs = paths(merged.getProperty(DIRS, ""));
    if (dirs.isEmpty()) {
      Path parent = model.toAbsolutePath().normalize().getParent();
      if (parent == null) {
        throw ConfigException.invalid(DIRS, "", "directories (the start-up model has no parent)");
      }
      dirs = List.of(parent);
    }
    return new ModelSources(
        dirs,
        paths(merged.getProperty(TRUSTED_KEYS, "")),
        Settings.booleanValue(merged, REQUIRE_SIGNATURE));
  }

  private static List<Path> paths(String csv) {
    List<Path> out = new ArrayList<>();
    for (String part : csv.split(",")) {
      if (!part.isBlank()) {
        out.add(Path.of(part.trim()));
      }
    }
    return out;
  }

  /**
   * Reads the trusted keys.
   *
   * @throws ConfigException if a key file cannot be read or is not an Ed25519 public key
   */
  public ModelAdmission admission() {
    List<PublicKey> keys;
    try {
      keys = ModelKeys.readPublic(trustedKeys);
    } catch (ModelBundleException e) {
      throw ConfigException.invalid(TRUSTED_KEYS, join(trustedKeys), e.getMessage());
    }
    return new ModelAdmission(ModelDirectories.of(dirs), keys, requireSignature);
  }

  /** The three settings as they would be written, for the start-up log. */
  public void describeInto(Properties all) {
    all.setProperty(DIRS, join(dirs));
    all.setProperty(TRUSTED_KEYS, join(trustedKeys));
    all.setProperty(REQUIRE_SIGNATURE, String.valueOf(requireSignature));
  }

  private static String join(List<Path> paths) {
    return String.join(",", paths.stream().map(Path::toString).toList());
  }
}
