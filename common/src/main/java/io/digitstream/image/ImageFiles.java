package io.digitstream.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** Reads ordinary image files (PNG, JPEG, BMP, GIF) with clear errors and a size guard. */
public final class ImageFiles {
  /** Larger images are refused before decoding so one file cannot exhaust the heap. */
  public static final int MAX_SIDE = 8192;

  public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

  private ImageFiles() {}

  /** Decodes {@code file}, or throws {@link ImageFileException} saying why it cannot. */
  public static BufferedImage read(Path file) {
    if (!Files.exists(file)) {
      throw new ImageFileException(file, "no such file");
    }
    if (!Files.isRegularFile(file)) {
      throw new ImageFileException(file, "not a regular file");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      if (in == null) {
        throw new ImageFileException(file, "cannot be opened");
      }
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new ImageFileException(
            file, "not an image in a supported format (PNG, JPEG, BMP, GIF)");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        int width = reader.getWidth(0);
        int height = reader.getHeight(0);
        if (width > MAX_SIDE || height > MAX_SIDE) {
          throw new ImageFileException(
              file,
              "image is " + width + "x" + height + ", larger than " + MAX_SIDE + " on a side");
        }
        BufferedImage image = reader.read(0);
        if (image == null || image.getWidth() == 0 || image.getHeight() == 0) {
          throw new ImageFileException(file, "image is empty");
        }
        return image;
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof ImageFileException ife) {
        throw ife;
      }
      throw new ImageFileException(
          file, "cannot be decoded as " + formatOf(file) + ": " + e.getMessage(), e);
    }
  }

  /** Image files under {@code root} (recursively, sorted), or {@code root} itself if a file. */
  public static List<Path> list(Path root) throws IOException {
    if (Files.isRegularFile(root)) {
      return List.of(root);
    }
    if (!Files.isDirectory(root)) {
      throw new ImageFileException(root, "no such file or directory");
    }
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile)
          .filter(ImageFiles::hasImageExtension)
          .sorted()
          .toList();
    }
  }

  public static boolean hasImageExtension(Path p) {
    String name = p.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  private static String formatOf(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(dot + 1).toUpperCase(Locale.ROOT) : "an image";
  }
}
