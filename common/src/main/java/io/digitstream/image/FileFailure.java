package io.digitstream.image;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Why one image file got no answer, sorted by whose fault it is, so that every command that works
 * through files tells its user the same thing:
 *
 * <ul>
 *   <li>{@link Kind#BAD_INPUT}: the file cannot be read or decoded, or shows no digit (an {@link
 *       ImageFileException}, which is also what a decoder's own exceptions become). The user can
 *       fix the file.
 *   <li>{@link Kind#INTERNAL}: digitstream's own code failed on a decoded image (any other
 *       exception) or ran out of memory. A bug or a limit to report, never filed as bad input.
 * </ul>
 *
 * @param file the file as given
 * @param kind whose fault it is
 * @param reason one line, without the file's name
 * @param cause what was thrown, for a stack trace on request
 */
public record FileFailure(Path file, Kind kind, String reason, Throwable cause) {
  /** Whose fault a failure is; {@link #label()} is its name in JSON documents. */
  public enum Kind {
    BAD_INPUT("bad-input"),
    INTERNAL("internal");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  public FileFailure {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(reason, "reason");
  }

  /**
   * Sorts what was thrown while {@code file} was read, preprocessed or classified. Callers catch
   * {@code RuntimeException | OutOfMemoryError} per file; other errors should end the program.
   */
  public static FileFailure of(Path file, Throwable thrown) {
    if (thrown instanceof ImageFileException e) {
      String reason = e.file().equals(file) ? e.reason() : e.getMessage();
      return new FileFailure(file, Kind.BAD_INPUT, reason, e);
    }
    if (thrown instanceof OutOfMemoryError) {
      return new FileFailure(
          file,
          Kind.INTERNAL,
          "out of memory while processing it (a larger -Xmx may help)",
          thrown);
    }
    return new FileFailure(file, Kind.INTERNAL, String.valueOf(thrown), thrown);
  }

  public boolean internal() {
    return kind == Kind.INTERNAL;
  }

  /** One line for people: {@code error: FILE: REASON} or {@code internal error: FILE: ...}. */
  public String line() {
    return (internal() ? "internal error: " : "error: ") + file + ": " + reason;
  }
}
