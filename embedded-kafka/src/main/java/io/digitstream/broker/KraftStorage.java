package io.digitstream.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Formats KRaft storage directories the way {@code kafka-storage.sh format} does, unless they are
 * formatted already, in which case their cluster id is kept.
 */
final class KraftStorage {

  private static final Logger log = LoggerFactory.getLogger(KraftStorage.class);
  private static final String META_PROPERTIES = "meta.properties";
  private static final String LOCK_FILE = ".lock";

  private KraftStorage() {}

  /**
   * Makes sure every directory is formatted for one cluster and returns that cluster's id.
   *
   * @param directories the log directories and the metadata log directory
   * @param brokerConfig the full broker configuration; the storage tool reads it from a file
   * @param wantedClusterId the id to format with, for a node that joins a cluster; empty for a new
   *     random one
   */
  static String ensureFormatted(
      List<Path> directories, Map<String, String> brokerConfig, Optional<String> wantedClusterId) {
    Set<String> existingIds = new LinkedHashSet<>();
    boolean allFormatted = true;
    for (Path directory : directories) {
      createDirectories(directory);
      Optional<String> id = clusterIdIn(directory);
      id.ifPresent(existingIds::add);
      allFormatted &= id.isPresent();
    }
    if (existingIds.size() > 1) {
      throw new BrokerStartException(
          "Kafka storage directories "
              + directories
              + " belong to different clusters "
              + existingIds);
    }
    if (wantedClusterId.isPresent()
        && !existingIds.isEmpty()
        && !existingIds.contains(wantedClusterId.get())) {
      throw new BrokerStartException(
          "Kafka storage directories "
              + directories
              + " belong to cluster "
              + existingIds
              + ", not to "
              + wantedClusterId.get()
              + "; delete them or use the cluster they were formatted for");
    }
    if (allFormatted) {
      return existingIds.iterator().next();
    }
    // A half-formatted data directory keeps its cluster id; only the missing parts get formatted.
    String clusterId =
        existingIds.isEmpty()
            ? wantedClusterId.orElseGet(() -> Uuid.randomUuid().toString())
            : existingIds.iterator().next();
    format(clusterId, brokerConfig);
    return clusterId;
  }

  /**
   * Fails if a Kafka process holds the lock of one of the directories. Call it only for directories
   * that no broker in this JVM uses: closing the probe's file channel would release that broker's
   * lock, since POSIX file locks belong to the process.
   */
  static void requireUnlocked(List<Path> directories) {
    for (Path directory : directories) {
      Path lockFile = directory.resolve(LOCK_FILE);
      if (!Files.isRegularFile(lockFile)) {
        continue;
      }
      try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
          FileLock lock = channel.tryLock()) {
        if (lock == null) {
          throw new BrokerStartException(
              "Data directory "
                  + directory
                  + " is in use by another Kafka broker (it holds "
                  + lockFile
                  + ")");
        }
      } catch (IOException e) {
        throw new BrokerStartException("Cannot check the lock " + lockFile + ": " + e, e);
      }
    }
  }

  private static void createDirectories(Path directory) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new BrokerStartException(
          "Cannot create Kafka data directory " + directory + ": " + e, e);
    }
  }

  private static Optional<String> clusterIdIn(Path directory) {
    Path metaFile = directory.resolve(META_PROPERTIES);
    if (!Files.isRegularFile(metaFile)) {
      return Optional.empty();
    }
    Properties meta = new Properties();
    try (Reader reader = Files.newBufferedReader(metaFile, StandardCharsets.UTF_8)) {
      meta.load(reader);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + metaFile, e);
    }
    String clusterId = meta.getProperty("cluster.id");
    if (clusterId == null || clusterId.isBlank()) {
      throw new BrokerStartException(
          metaFile + " has no cluster.id; delete the directory or fix it");
    }
    return Optional.of(clusterId);
  }

  private static void format(String clusterId, Map<String, String> brokerConfig) {
    Path configFile = null;
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    try {
      // The storage tool only reads its configuration from a file; it may hold listener secrets,
      // so it lives only as long as the format call.
      configFile = Files.createTempFile("embedded-kafka-format-", ".properties");
      Properties properties = new Properties();
      properties.putAll(brokerConfig);
      try (Writer writer = Files.newBufferedWriter(configFile, StandardCharsets.UTF_8)) {
        properties.store(writer, "embedded-kafka: used once to format storage");
      }
      String[] args = {
        "format", "--cluster-id", clusterId, "--config", configFile.toString(), "--ignore-formatted"
      };
      int exitCode;
      // execute(...) returns an exit code; main(...) would exit the JVM.
      try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
        exitCode = StorageTool.execute(args, out);
      }
      if (exitCode != 0) {
        throw new BrokerStartException(
            "Formatting Kafka storage failed with exit code " + exitCode + ": " + text(output));
      }
      log.debug("Formatted Kafka storage for cluster {}: {}", clusterId, text(output));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the storage tool's configuration file", e);
    } catch (BrokerStartException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new BrokerStartException("Formatting Kafka storage failed: " + e.getMessage(), e);
    } finally {
      deleteQuietly(configFile);
    }
  }

  private static String text(ByteArrayOutputStream output) {
    return output.toString(StandardCharsets.UTF_8).strip();
  }

  private static void deleteQuietly(Path file) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("Could not delete temporary file {}: {}", file, e.toString());
    }
  }
}
