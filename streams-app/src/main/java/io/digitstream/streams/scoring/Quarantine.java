package io.digitstream.streams.scoring;

import com.fasterxml.jackson.core.type.TypeReference;
import io.digitstream.record.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model versions this instance took out of service because they failed on a batch that the last
 * good model scored. Kept in a small JSON file so that a restart does not load them again from the
 * models topic (which still announces them); delete the file to forget them.
 */
public final class Quarantine {
  private static final Logger log = LoggerFactory.getLogger(Quarantine.class);

  /**
   * A quarantined version.
   *
   * @param version the model version
   * @param reason how it failed
   * @param at when, epoch milliseconds
   */
  public record Entry(String version, String reason, long at) {
    public Entry {
      Objects.requireNonNull(version, "version");
    }
  }

  private final Path file;
  private final Map<String, Entry> entries = new LinkedHashMap<>();

  private Quarantine(Path file) {
    this.file = file;
  }

  /** A quarantine that forgets everything on restart, for tests and tools. */
  public static Quarantine inMemory() {
    return new Quarantine(null);
  }

  /**
   * The quarantine kept in {@code file}, with what it already holds.
   *
   * @throws UncheckedIOException if the file exists but cannot be read: starting without it would
   *     load a model that already failed
   */
  public static Quarantine at(Path file) {
    Quarantine q = new Quarantine(file);
    if (Files.exists(file)) {
      try {
        for (Entry e : Json.MAPPER.readValue(file.toFile(), new TypeReference<List<Entry>>() {})) {
          q.entries.put(e.version(), e);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot read the model quarantine " + file + " (delete it to forget it): " + e, e);
      }
    }
    return q;
  }

  /** Whether {@code version} is quarantined here. */
  public synchronized boolean contains(String version) {
    return entries.containsKey(version);
  }

  /** The entry of {@code version}, if quarantined. */
  public synchronized Optional<Entry> get(String version) {
    return Optional.ofNullable(entries.get(version));
  }

  /** Every quarantined version, oldest first. */
  public synchronized List<Entry> entries() {
    return List.copyOf(entries.values());
  }

  /**
   * Quarantines {@code version} and writes the file (beside, then moved into place).
   *
   * @return false if it was already quarantined
   */
  public synchronized boolean add(String version, String reason, long at) {
    if (entries.containsKey(version)) {
      return false;
    }
    entries.put(version, new Entry(version, reason, at));
    if (file != null) {
      try {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".quarantine", ".tmp");
        Json.MAPPER.writeValue(tmp.toFile(), new ArrayList<>(entries.values()));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        // The model is out of service either way; only a restart would bring it back.
        log.error(
            "Model {} is quarantined, but {} could not be written; a restart may load it again",
            version,
            file,
            e);
      }
    }
    return true;
  }
}
