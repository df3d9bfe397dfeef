package io.digitstream.image;

import java.nio.file.Path;

/** An image file that cannot be used, with the file and the reason in the message. */
public class ImageFileException extends RuntimeException {
  private final Path file;

  public ImageFileException(Path file, String reason) {
    super(file + ": " + reason);
    this.file = file;
  }

  public ImageFileException(Path file, String reason, Throwable cause) {
    super(file + ": " + reason, cause);
    this.file = file;
  }

  public Path file() {
    return file;
  }
}
