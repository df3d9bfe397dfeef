package io.digitstream.model;

import java.io.IOException;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The directories an announced bundle may be loaded from. A location is first checked on its text
 * alone (absolute, normalised, under a configured directory) before the file system is touched, so
 * that an announcement cannot probe paths elsewhere; then its real path must still be under the
 * real path of a configured directory, so that a link cannot lead out.
 */
public final class ModelDirectories {
  /** The reason for every location outside the directories, whether it exists or not. */
  public static final String OUTSIDE = "refused: outside the model directories";

  private final List<Path> dirs;

  private ModelDirectories(List<Path> dirs) {
    this.dirs = List.copyOf(dirs);
  }

  /**
   * @param dirs the allowed directories; relative ones are taken from the working directory
   */
  public static ModelDirectories of(List<Path> dirs) {
    if (dirs.isEmpty()) {
      throw new IllegalArgumentException("at least one model directory is needed");
    }
    List<Path> absolute = new ArrayList<>();
    for (Path dir : dirs) {
      absolute.add(dir.toAbsolutePath().normalize());
    }
    return new ModelDirectories(absolute);
  }

  public List<Path> directories() {
    return dirs;
  }

  /**
   * The real path of the bundle {@code location} (an absolute path or a {@code file:} URI) names.
   *
   * @throws ModelBundleException if it is not under one of the directories; the message does not
   *     depend on whether anything exists outside them
   */
  public Path resolve(String location) {
    Path path = lexical(location);
    Path real;
    try {
      real = path.toRealPath();
    } catch (NoSuchFileException e) {
      throw new ModelBundleException("Model bundle " + path + " does not exist");
    } catch (IOException e) {
      throw new ModelBundleException("cannot read " + path + ": " + e.getMessage(), e);
    }
    for (Path dir : dirs) {
      try {
        if (real.startsWith(dir.toRealPath())) {
          return real;
        }
      } catch (IOException e) {
        // A configured directory that does not exist (yet) admits nothing.
      }
    }
    throw new ModelBundleException(OUTSIDE + " (" + path + " leads out through a link)");
  }

  /** The checks on the text alone: no file-system access. */
  Path lexical(String location) {
    Path path;
    try {
      path = location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
    } catch (IllegalArgumentException e) { // InvalidPathException too {
      throw new LocationRefusedException("refused: location is neither a path nor a file: URI");
    }
    // A relative path would mean something different on every instance's working directory.
    if (!path.isAbsolute()) {
      throw new LocationRefusedException("refused: location is not an absolute path");
    }
    if (!path.equals(path.normalize())) {
      throw new LocationRefusedException("refused: location holds '.' or '..'");
    }
    for (Path dir : dirs) {
      if (path.startsWith(dir)) {
        return path;
      }
    }
    throw new LocationRefusedException(OUTSIDE);
  }
}
