package io.digitstream.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX format of MNIST (and Fashion-MNIST): unsigned bytes, big-endian header. Files
 * ending in {@code .gz} are decompressed. Every check failure names the file and what is wrong.
 */
public final class Idx {
  static final int IMAGES_MAGIC = 0x00000803;
  static final int LABELS_MAGIC = 0x00000801;

  private Idx() {}

  /** Images of an {@code idx3-ubyte} file. */
  public record Images(int count, int rows, int columns, byte[] data) {
    /** A copy of image {@code i}, row-major. */
    public byte[] image(int i) {
      int size = rows * columns;
      byte[] out = new byte[size];
      System.arraycopy(data, i * size, out, 0, size);
      return out;
    }
  }

  public static Images readImages(Path file) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(readAll(file));
    requireHeader(file, buf, 16, "image");
    int magic = buf.getInt();
    if (magic != IMAGES_MAGIC) {
      throw new IdxFormatException(
          file,
          String.format(
              "not an IDX image file: magic number 0x%08X, expected 0x%08X", magic, IMAGES_MAGIC));
    }
    int count = buf.getInt();
    int rows = buf.getInt();
    int columns = buf.getInt();
    if (count < 0 || rows <= 0 || columns <= 0) {
      throw new IdxFormatException(
          file, "invalid dimensions " + count + "x" + rows + "x" + columns);
    }
    long expected = (long) count * rows * columns;
    if (buf.remaining() != expected) {
      throw new IdxFormatException(
          file,
          (buf.remaining() < expected ? "truncated" : "has trailing bytes")
              + ": header announces "
              + count
              + " images of "
              + rows
              + "x"
              + columns
              + " ("
              + expected
              + " bytes of pixels), file holds "
              + buf.remaining());
    }
    byte[] data = new byte[(int) expected];
    buf.get(data);
    return new Images(count, rows, columns, data);
  }

  public static byte[] readLabels(Path file) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(readAll(file));
    requireHeader(file, buf, 8, "label");
    int magic = buf.getInt();
    if (magic != LABELS_MAGIC) {
      throw new IdxFormatException(
          file,
          String.format(
              "not an IDX label file: magic number 0x%08X, expected 0x%08X", magic, LABELS_MAGIC));
    }
    int count = buf.getInt();
    if (count < 0 || buf.remaining() != count) {
      throw new IdxFormatException(
          file,
          (buf.remaining() < count ? "truncated" : "length mismatch")
              + ": header announces "
              + count
              + " labels, file holds "
              + buf.remaining());
    }
    byte[] labels = new byte[count];
    buf.get(labels);
    for (int i = 0; i < count; i++) {
      if (labels[i] < 0 || labels[i] > 9) {
        throw new IdxFormatException(file, "label " + i + " is " + labels[i] + ", expected 0-9");
      }
    }
    return labels;
  }

  /** Writes images in IDX format (used to make small test subsets and sample files). */
  public static void writeImages(Path file, Images images) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(16 + images.data().length);
    buf.putInt(IMAGES_MAGIC).putInt(images.count()).putInt(images.rows()).putInt(images.columns());
    buf.put(images.data());
    write(file, buf.array());
  }

  public static void writeLabels(Path file, byte[] labels) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(8 + labels.length);
    buf.putInt(LABELS_MAGIC).putInt(labels.length).put(labels);
    write(file, buf.array());
  }

  private static void write(Path file, byte[] bytes) throws IOException {
    if (file.getFileName().toString().endsWith(".gz")) {
      try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(file))) {
        out.write(bytes);
      }
    } else {
      Files.write(file, bytes);
    }
  }

  private static void requireHeader(Path file, ByteBuffer buf, int size, String kind) {
    if (buf.remaining() < size) {
      throw new IdxFormatException(
          file,
          "truncated: "
              + buf.remaining()
              + " bytes, an IDX "
              + kind
              + " header alone needs "
              + size);
    }
  }

  private static byte[] readAll(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IdxFormatException(file, "no such file");
    }
    if (file.getFileName().toString().endsWith(".gz")) {
      try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
        return in.readAllBytes();
      } catch (java.util.zip.ZipException | java.io.EOFException e) {
        throw new IdxFormatException(file, "corrupt gzip data: " + e.getMessage());
      }
    }
    return Files.readAllBytes(file);
  }
}
