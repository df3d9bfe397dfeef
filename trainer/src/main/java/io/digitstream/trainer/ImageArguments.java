package io.digitstream.trainer;

import io.digitstream.image.ImageFileException;
import io.digitstream.image.ImageFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The image files named on a command line: files as given (whatever their name, so a wrong one gets
 * its own error), directories searched recursively for image files.
 */
final class ImageArguments {
  private ImageArguments() {}

  /**
   * Each file to answer, in order. A directory that cannot be searched or holds no image file is
   * passed to {@code unusable} and left out.
   */
  static List<Path> expand(List<Path> arguments, BiConsumer<Path, RuntimeException> unusable) {
    List<Path> files = new ArrayList<>();
    for (Path argument : arguments) {
      if (!Files.isDirectory(argument)) {
        files.add(argument);
        continue;
      }
      try {
        List<Path> found = ImageFiles.list(argument);
        if (found.isEmpty()) {
          unusable.accept(
              argument,
              new ImageFileException(
                  argument,
                  "no image files in this directory (looked for "
                      + String.join(", ", ImageFiles.EXTENSIONS.stream().sorted().toList())
                      + ")"));
        }
        files.addAll(found);
      } catch (IOException e) {
        unusable.accept(argument, new ImageFileException(argument, "cannot be searched: " + e, e));
      } catch (UncheckedIOException e) {
        unusable.accept(
            argument, new ImageFileException(argument, "cannot be searched: " + e.getCause(), e));
      }
    }
    return files;
  }
}
