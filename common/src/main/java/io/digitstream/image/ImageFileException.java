package io.digitstream.image;

import java.nio.file.Path;

/** An image file that cannot be used, with the file and the reason in the message. */
public class ImageFileException extends RuntimeException {
  private final Path file;
  private final String reason;

  public ImageFileException(Path file, String reason) {
    super(file + ": " + reason);
    this.file = file;
    this.reason = reason;
  }

  public ImageFileException(Path file, String reason, Throwable cause) {
    super(file + ": " + reason, cause);
    this.file = file;
    this.reason = reason;
  }

  public Path file() {
    return file;
  }

  /** Why the file cannot be used, without the file's name. */
  public String reason() {
    return reason;
  }
}
