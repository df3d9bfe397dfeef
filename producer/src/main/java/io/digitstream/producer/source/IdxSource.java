package io.digitstream.producer.source;

import io.digitstream.image.Idx;
import io.digitstream.image.IdxFormatException;
import io.digitstream.image.MnistDataset;
import io.digitstream.record.DigitImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.OptionalInt;

/**
 * Images (and labels, when given) from IDX files such as MNIST's. Ids are the data set's name and
 * the image's index in the file, zero-padded: {@code mnist-test-00042} is always the 43rd test
 * image, whatever the offset, limit or shuffle.
 */
public final class IdxSource implements ImageSource {
  private final String name;
  private final Idx.Images images;
  private final byte[] labels;
  private final int[] selected;
  private final String idFormat;

  private IdxSource(String name, Idx.Images images, byte[] labels, Selection selection) {
    this.name = name;
    this.images = images;
    this.labels = labels;
    this.selected = selection.indices(images.count(), "images of " + name);
    int width = Math.max(5, String.valueOf(Math.max(0, images.count() - 1)).length());
    this.idFormat = name + "-%0" + width + "d";
  }

  /**
   * A split of MNIST found in {@code dir} by its usual file names, plain or gzipped; named {@code
   * mnist-test} or {@code mnist-train}.
   *
   * @throws IdxFormatException naming the missing or malformed file
   */
  public static IdxSource mnist(Path dir, MnistDataset.Split split, Selection selection)
      throws IOException {
    MnistDataset data = MnistDataset.load(dir, split);
    Idx.Images images = data.images();
    requireDigitSize(MnistDataset.find(dir, split.fileStem("images-idx3-ubyte")), images);
    byte[] labels = new byte[data.size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = (byte) data.label(i);
    }
    return new IdxSource(
        "mnist-" + split.name().toLowerCase(Locale.ROOT), images, labels, selection);
  }

  /**
   * Any IDX image file, with a label file or without one (then no image has a label). The name, and
   * so the id prefix, comes from the image file's name: {@code t10k-images-idx3-ubyte.gz} gives
   * {@code t10k}.
   *
   * @param labelsFile the matching label file, or null
   * @throws IdxFormatException naming the file when it is malformed, is not 28×28 or the counts
   *     differ
   */
  public static IdxSource files(Path imagesFile, Path labelsFile, Selection selection)
      throws IOException {
    Idx.Images images = Idx.readImages(imagesFile);
    requireDigitSize(imagesFile, images);
    byte[] labels = null;
    if (labelsFile != null) {
      labels = Idx.readLabels(labelsFile);
      if (labels.length != images.count()) {
        throw new IdxFormatException(
            labelsFile,
            "holds "
                + labels.length
                + " labels but "
                + imagesFile
                + " holds "
                + images.count()
                + " images");
      }
    }
    return new IdxSource(nameOf(imagesFile), images, labels, selection);
  }

  /** {@code t10k-images-idx3-ubyte.gz} → {@code t10k}; falls back to {@code idx}. */
  static String nameOf(Path imagesFile) {
    String name = imagesFile.getFileName().toString();
    if (name.endsWith(".gz")) {
      name = name.substring(0, name.length() - 3);
    }
    for (String suffix :
        new String[] {"-images-idx3-ubyte", "-images.idx3-ubyte", "-idx3-ubyte", ".idx3-ubyte"}) {
      if (name.endsWith(suffix)) {
        name = name.substring(0, name.length() - suffix.length());
        break;
      }
    }
    // Ids become Kafka keys and appear in URLs; keep them to a safe alphabet.
    name = name.replaceAll("[^A-Za-z0-9._-]", "-");
    return name.isEmpty() ? "idx" : name;
  }

  private static void requireDigitSize(Path file, Idx.Images images) {
    if (images.rows() != DigitImage.SIDE || images.columns() != DigitImage.SIDE) {
      throw new IdxFormatException(
          file,
          "images are "
              + images.rows()
              + "x"
              + images.columns()
              + ", digitstream needs "
              + DigitImage.SIDE
              + "x"
              + DigitImage.SIDE);
    }
  }

  /** The id of the image at {@code index} in the file. */
  public String idOf(int index) {
    return String.format(Locale.ROOT, idFormat, index);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int size() {
    return selected.length;
  }

  /** Whether the images come with labels. */
  public boolean hasLabels() {
    return labels != null;
  }

  @Override
  public Iterator<SourceItem> iterator() {
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < selected.length;
      }

      @Override
      public SourceItem next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        int index = selected[next++];
        DigitImage image = new DigitImage(idOf(index), images.image(index), name);
        OptionalInt label = labels == null ? OptionalInt.empty() : OptionalInt.of(labels[index]);
        return new LabelledImage(image, label);
      }
    };
  }
}
