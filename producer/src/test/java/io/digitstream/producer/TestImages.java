package io.digitstream.producer;

import io.digitstream.image.Idx;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** Test inputs made at runtime: a small MNIST-shaped IDX data set and digit pictures. */
public final class TestImages {
  private TestImages() {}

  /** A labelled IDX data set of {@code count} random 28×28 images. */
  public record Mnist(Idx.Images images, byte[] labels) {
    public byte[] image(int i) {
      return images.image(i);
    }
  }

  /**
   * Writes {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte} into {@code dir}, the
   * file names {@code --mnist test} looks for. Pixels use every byte value 0–255.
   */
  public static Mnist writeMnistTest(Path dir, int count, long seed) {
    Random random = new Random(seed);
    byte[] data = new byte[count * 28 * 28];
    random.nextBytes(data);
    byte[] labels = new byte[count];
    for (int i = 0; i < count; i++) {
      labels[i] = (byte) random.nextInt(10);
    }
    Idx.Images images = new Idx.Images(count, 28, 28, data);
    try {
      Files.createDirectories(dir);
      Idx.writeImages(dir.resolve("t10k-images-idx3-ubyte"), images);
      Idx.writeLabels(dir.resolve("t10k-labels-idx1-ubyte"), labels);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Mnist(images, labels);
  }

  /** A dark stroke on white, in the format of the file's extension (png, jpg, bmp, gif). */
  public static Path writeDigit(Path file, int variant) {
    BufferedImage image = new BufferedImage(56, 64, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 56, 64);
    g.setColor(Color.BLACK);
    g.setStroke(new BasicStroke(6));
    g.drawLine(28, 8, 28 + variant % 5, 56);
    g.drawLine(18, 16, 28, 8);
    g.dispose();
    return write(file, image);
  }

  /** A picture with nothing on it. */
  public static Path writeBlank(Path file) {
    BufferedImage image = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 40, 40);
    g.dispose();
    return write(file, image);
  }

  /** A file with an image extension that holds text. */
  public static Path writeNotAnImage(Path file) {
    try {
      Files.createDirectories(file.getParent());
      return Files.writeString(file, "this is not a picture");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path write(Path file, BufferedImage image) {
    String name = file.getFileName().toString();
    String format = name.substring(name.lastIndexOf('.') + 1);
    try {
      Files.createDirectories(file.getParent());
      if (!ImageIO.write(image, format.equals("jpg") ? "jpeg" : format, file.toFile())) {
        throw new IllegalArgumentException("no ImageIO writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }
}
