package io.digitstream.model;

import io.digitstream.record.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * A trained network on disk: a directory holding {@code network.zip} (DL4J, without updater state)
 * and {@code bundle.json} ({@link ModelMetadata}). The version is a hash of the network file, so
 * the same weights always have the same version. An optional {@code reference.json} ({@link
 * ReferenceBatch}) holds images and the answers this network gave them, checked before the bundle
 * serves; it is not part of the version.
 */
public record ModelBundle(Path directory, ModelMetadata metadata) {
  public static final String NETWORK_FILE = "network.zip";
  public static final String METADATA_FILE = "bundle.json";
  public static final String REFERENCE_FILE = "reference.json";

  public Path networkFile() {
    return directory.resolve(NETWORK_FILE);
  }

  public String version() {
    return metadata.version();
  }

  /**
   * Writes {@code network} and {@code metadata} (version and checksum filled in) to {@code dir},
   * replacing a bundle already there. Files are written beside and moved into place.
   */
  public static ModelBundle write(Path dir, MultiLayerNetwork network, ModelMetadata metadata)
      throws IOException {
    Files.createDirectories(dir);
    Path tmpNet = Files.createTempFile(dir, ".network", ".tmp");
    Path tmpMeta = Files.createTempFile(dir, ".bundle", ".tmp");
    try {
      ModelSerializer.writeModel(network, tmpNet.toFile(), false);
      String sha = Sha256.of(tmpNet);
      ModelMetadata complete = metadata.withVersion(contentVersion(network), sha);
      Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(tmpMeta.toFile(), complete);
      // Temp files are created owner-only; a model is meant to be read by other users and services.
      readableByAll(tmpNet);
      readableByAll(tmpMeta);
      Files.move(tmpNet, dir.resolve(NETWORK_FILE), StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmpMeta, dir.resolve(METADATA_FILE), StandardCopyOption.REPLACE_EXISTING);
      return new ModelBundle(dir, complete);
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
   * Reads a bundle's metadata and checks the network file against its SHA-256. {@code path} may be
   * the bundle directory, its {@code bundle.json} or its {@code network.zip}.
   */
  public static ModelBundle open(Path path) {
    Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
    Path meta = dir.resolve(METADATA_FILE);
    Path net = dir.resolve(NETWORK_FILE);
    if (!Files.exists(path)) {
      throw new ModelBundleException("Model bundle " + path + " does not exist");
    }
    if (!Files.isRegularFile(meta) || !Files.isRegularFile(net)) {
      throw new ModelBundleException(
          "Model bundle "
              + dir
              + " must hold "
              + METADATA_FILE
              + " and "
              + NETWORK_FILE
              + " (train one with './digitstream train')");
    }
    ModelMetadata metadata;
    try {
      metadata = Json.MAPPER.readValue(meta.toFile(), ModelMetadata.class);
    } catch (IOException e) {
      throw new ModelBundleException(meta + " is not valid bundle metadata: " + e.getMessage(), e);
    }
    String actual;
    try {
      actual = Sha256.of(net);
    } catch (IOException e) {
      throw new ModelBundleException("cannot read " + net + ": " + e.getMessage(), e);
    }
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
    return new ModelBundle(dir, metadata);
  }

  /**
   * The bundle's reference batch, or empty for a bundle written before reference batches existed.
   *
   * @throws ModelBundleException if {@code reference.json} exists but cannot be read
   */
  public Optional<ReferenceBatch> reference() {
    Path file = directory.resolve(REFERENCE_FILE);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Json.MAPPER.readValue(file.toFile(), ReferenceBatch.class));
    } catch (IOException | RuntimeException e) {
      throw new ModelBundleException(
          file + " is not a valid reference batch: " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code reference} as the bundle's {@code reference.json}, beside and moved into place.
   */
  public static void writeReference(Path dir, ReferenceBatch reference) throws IOException {
    Path tmp = Files.createTempFile(dir, ".reference", ".tmp");
    try {
      Json.MAPPER.writeValue(tmp.toFile(), reference);
      readableByAll(tmp);
      Files.move(tmp, dir.resolve(REFERENCE_FILE), StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** A fresh network instance from the bundle; each call returns an independent copy. */
  public MultiLayerNetwork loadNetwork() {
    try {
      return ModelSerializer.restoreMultiLayerNetwork(networkFile().toFile(), false);
    } catch (IOException | RuntimeException e) {
      throw new ModelBundleException(
          "cannot load the network in " + networkFile() + ": " + e.getMessage(), e);
    }
  }
}
