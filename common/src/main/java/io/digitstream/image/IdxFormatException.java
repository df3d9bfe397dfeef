package io.digitstream.image;

import java.nio.file.Path;

/** An IDX file that is truncated, has the wrong magic number, or does not match its header. */
public class IdxFormatException extends RuntimeException {
  public IdxFormatException(Path file, String problem) {
    super(file + ": " + problem);
  }
}
