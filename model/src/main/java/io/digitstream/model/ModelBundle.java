package io.digitstream.model;

import io.digitstream.record.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * A trained network on disk: a directory holding {@code network.zip} (DL4J, without updater state)
 * and {@code bundle.json} ({@link ModelMetadata}), optionally signed by {@code bundle.sig} ({@link
 * BundleSignature}). The version is a hash of the configuration and weights, so the same weights
 * always have the same version. An optional {@code reference.json} ({@link ReferenceBatch}) holds
 * images and the answers this network gave them, checked before the bundle serves; it is not part
 * of the version, but the signature covers it. So does an optional {@code monitoring.json} ({@link
 * MonitoringReference}): the temperature that calibrates the network's probabilities and the
 * training distributions that drift and out-of-distribution inputs are measured against.
 *
 * <p>{@link #open} reads {@code bundle.json} and {@code network.zip} once into memory; their
 * hashes, the signature check and {@link #loadNetwork} all use those bytes, so a file replaced
 * after the check cannot be loaded in its place.
 */
public final class ModelBundle {
  public static final String NETWORK_FILE = "network.zip";
  public static final String METADATA_FILE = "bundle.json";
  public static final String REFERENCE_FILE = "reference.json";
  public static final String SIGNATURE_FILE = "bundle.sig";
  public static final String MONITORING_FILE = "monitoring.json";

  // Far above any network of this project (1.6 MB); a bigger file is not a bundle of ours.
  private static final long MAX_NETWORK_BYTES = 256L << 20;
  private static final long MAX_METADATA_BYTES = 1L << 20;
  private static final long MAX_SIGNATURE_BYTES = 64L << 10;
  // A reference is a few kilobytes of histograms; a megabyte is not one of ours.
  static final long MAX_MONITORING_BYTES = 1L << 20;

  private final Path directory;
  private final ModelMetadata metadata;
  private final byte[] network;
  private final SortedMap<String, String> files;
  private final List<String> otherEntries;
  private final String signature;

  private ModelBundle(
      Path directory,
      ModelMetadata metadata,
      byte[] network,
      SortedMap<String, String> files,
      List<String> otherEntries,
      String signature) {
    this.directory = directory;
    this.metadata = metadata;
    this.network = network;
    this.files = Collections.unmodifiableSortedMap(files);
    this.otherEntries = List.copyOf(otherEntries);
    this.signature = signature;
  }

  public Path directory() {
    return directory;
  }

  public ModelMetadata metadata() {
    return metadata;
  }

  public Path networkFile() {
    return directory.resolve(NETWORK_FILE);
  }

  public String version() {
    return metadata.version();
  }

  /**
   * Every regular file of the bundle directory except {@code bundle.sig}, by name, with the SHA-256
   * of the bytes read when the bundle was opened: what a signature covers.
   */
  public SortedMap<String, String> files() {
    return files;
  }

  /**
   * Directory entries that are not regular files (links, directories); a signature refuses them.
   */
  public List<String> otherEntries() {
    return otherEntries;
  }

  /** The text of {@code bundle.sig}, if the bundle has one. */
  public Optional<String> signature() {
    return Optional.ofNullable(signature);
  }

  /**
   * Writes {@code network} and {@code metadata} (version and checksum filled in) to {@code dir},
   * replacing a bundle already there. Files are written beside and moved into place. A {@code
   * bundle.sig} from an earlier bundle is removed: it cannot cover the new files. So is its {@code
   * monitoring.json}: another network's temperature and ranges would be applied to this one without
   * a word, where a stale {@code reference.json} fails the load check loudly.
   */
  public static ModelBundle write(Path dir, MultiLayerNetwork network, ModelMetadata metadata)
      throws IOException {
    Files.createDirectories(dir);
    Path tmpNet = Files.createTempFile(dir, ".network", ".tmp");
    Path tmpMeta = Files.createTempFile(dir, ".bundle", ".tmp");
    try {
      ModelSerializer.writeModel(network, tmpNet.toFile(), false);
      byte[] net = Files.readAllBytes(tmpNet);
      String sha = Sha256.of(net);
      ModelMetadata complete = metadata.withVersion(contentVersion(network), sha);
      byte[] meta = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(complete);
      Files.write(tmpMeta, meta);
      // Temp files are created owner-only; a model is meant to be read by other users and services.
      readableByAll(tmpNet);
      readableByAll(tmpMeta);
      Files.deleteIfExists(dir.resolve(SIGNATURE_FILE));
      Files.deleteIfExists(dir.resolve(MONITORING_FILE));
      Files.move(tmpNet, dir.resolve(NETWORK_FILE), StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmpMeta, dir.resolve(METADATA_FILE), StandardCopyOption.REPLACE_EXISTING);
      return open(dir);
    } finally {
      Files.deleteIfExists(tmpNet);
      Files.deleteIfExists(tmpMeta);
    }
  }

  private static void readableByAll(Path file) throws IOException {
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(
          file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    }
  }

  /**
   * The first 12 hex digits of the SHA-256 of the configuration and every parameter (batch-norm
   * statistics included). Zip files carry timestamps, so the file's own hash would differ for equal
   * weights.
   */
  public static String contentVersion(MultiLayerNetwork network) {
    byte[] conf = network.getLayerWiseConfigurations().toJson().getBytes(StandardCharsets.UTF_8);
    float[] params = network.params().toFloatVector();
    ByteBuffer buf = ByteBuffer.allocate(conf.length + params.length * 4);
    buf.put(conf);
    buf.asFloatBuffer().put(params);
    return Sha256.of(buf.array()).substring(0, 12);
  }

  /**
   * Reads a bundle's metadata and network into memory and checks the network against its SHA-256.
   * {@code path} may be the bundle directory, its {@code bundle.json} or its {@code network.zip}.
   * Links inside the bundle are not followed.
   */
  public static ModelBundle open(Path path) {
    Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
    Path meta = dir.resolve(METADATA_FILE);
    Path net = dir.resolve(NETWORK_FILE);
    if (!Files.exists(path)) {
      throw new ModelBundleException("Model bundle " + path + " does not exist");
    }
    if (!regularFile(meta) || !regularFile(net)) {
      throw new ModelBundleException(
          "Model bundle "
              + dir
              + " must hold "
              + METADATA_FILE
              + " and "
              + NETWORK_FILE
              + " as regular files (train one with './digitstream train')");
    }
    byte[] metaBytes = read(meta, MAX_METADATA_BYTES);
    byte[] netBytes = read(net, MAX_NETWORK_BYTES);
    ModelMetadata metadata;
    try {
      metadata = Json.MAPPER.readValue(metaBytes, ModelMetadata.class);
    } catch (IOException e) {
      throw new ModelBundleException(meta + " is not valid bundle metadata: " + e.getMessage(), e);
    }
    String actual = Sha256.of(netBytes);
    if (!actual.equals(metadata.networkSha256())) {
      throw new ModelBundleException(
          net
              + " is corrupt or was replaced: SHA-256 "
              + actual
              + " does not match "
              + metadata.networkSha256()
              + " in "
              + meta);
    }
    SortedMap<String, String> files = new TreeMap<>();
    List<String> others = new ArrayList<>();
    String signature = null;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (name.equals(METADATA_FILE)) {
          files.put(name, Sha256.of(metaBytes));
        } else if (name.equals(NETWORK_FILE)) {
          files.put(name, actual);
        } else if (!regularFile(entry)) {
          others.add(name);
        } else if (name.equals(SIGNATURE_FILE)) {
          signature = new String(read(entry, MAX_SIGNATURE_BYTES), StandardCharsets.UTF_8);
        } else {
          files.put(name, Sha256.of(entry));
        }
      }
    } catch (IOException e) {
      throw new ModelBundleException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    Collections.sort(others);
    return new ModelBundle(dir, metadata, netBytes, files, others, signature);
  }

  /**
   * The bundle's reference batch, or empty for a bundle written before reference batches existed.
   *
   * @throws ModelBundleException if {@code reference.json} exists but cannot be read
   */
  public Optional<ReferenceBatch> reference() {
    return readChecked(REFERENCE_FILE, MAX_NETWORK_BYTES, ReferenceBatch.class, "reference batch");
  }

  /**
   * The bundle's monitoring reference, or empty for a bundle without one (written before they
   * existed: {@code ./digitstream calibrate} adds it).
   *
   * @throws ModelBundleException if {@code monitoring.json} exists but is too large, changed since
   *     {@link #open}, or is not a valid reference
   */
  public Optional<MonitoringReference> monitoring() {
    return readChecked(
        MONITORING_FILE, MAX_MONITORING_BYTES, MonitoringReference.class, "monitoring reference");
  }

  private <T> Optional<T> readChecked(String name, long limit, Class<T> type, String what) {
    Path file = directory.resolve(name);
    String checked = files.get(name);
    if (checked == null) {
      return Optional.empty();
    }
    byte[] bytes = read(file, limit);
    // The signature covered the file as open() hashed it; a copy changed since is not that one.
    if (!Sha256.of(bytes).equals(checked)) {
      throw new ModelBundleException(file + " changed after the bundle was opened and checked");
    }
    try {
      T value = Json.MAPPER.readValue(bytes, type);
      if (value == null) {
        throw new ModelBundleException("the file holds null");
      }
      return Optional.of(value);
    } catch (IOException | RuntimeException e) {
      throw new ModelBundleException(file + " is not a valid " + what + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code reference} as the bundle's {@code reference.json}, beside and moved into place.
   */
  public static void writeReference(Path dir, ReferenceBatch reference) throws IOException {
    writeAtomically(dir, REFERENCE_FILE, Json.MAPPER.writeValueAsBytes(reference));
  }

  /**
   * Writes {@code monitoring} as the bundle's {@code monitoring.json}, beside and moved into place;
   * the same reference always gives the same bytes. A signature made before no longer matches: sign
   * the bundle again.
   */
  public static void writeMonitoring(Path dir, MonitoringReference monitoring) throws IOException {
    writeAtomically(
        dir,
        MONITORING_FILE,
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(monitoring));
  }

  private static void writeAtomically(Path dir, String name, byte[] bytes) throws IOException {
    Path tmp = Files.createTempFile(dir, "." + name, ".tmp");
    try {
      Files.write(tmp, bytes);
      readableByAll(tmp);
      Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static boolean regularFile(Path file) {
    return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS);
  }

  private static byte[] read(Path file, long limit) {
    try {
      long size = Files.size(file);
      if (size > limit) {
        throw new ModelBundleException(
            file + " has " + size + " bytes, more than a bundle file may have (" + limit + ")");
      }
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ModelBundleException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * A fresh network instance from the bytes {@link #open} checked; each call returns an independent
   * copy. The archive is inspected first ({@link NetworkArchive}), and the loaded configuration and
   * weights must hash to the version {@code bundle.json} claims.
   */
  public MultiLayerNetwork loadNetwork() {
    NetworkArchive.check(network, networkFile().toString());
    MultiLayerNetwork loaded;
    try {
      // The stream variant unzips into memory (ModelSerializer.loadZipData): no temp file.
      loaded = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(network), false);
    } catch (IOException | RuntimeException e) {
      throw new ModelBundleException(
          "cannot load the network in " + networkFile() + ": " + e.getMessage(), e);
    }
    String weights = contentVersion(loaded);
    if (!weights.equals(version())) {
      throw new ModelBundleException(
          "the network in "
              + networkFile()
              + " is version "
              + weights
              + " by its configuration and weights, but "
              + METADATA_FILE
              + " says "
              + version());
    }
    return loaded;
  }

  @Override
  public String toString() {
    return "ModelBundle[" + directory + ", version " + version() + "]";
  }
}
