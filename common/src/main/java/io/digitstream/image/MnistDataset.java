package io.digitstream.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A labelled IDX data set (MNIST or anything in the same format) found in a directory by the usual
 * file names, plain or gzipped: {@code train-images-idx3-ubyte[.gz]} and so on.
 */
public record MnistDataset(String name, Idx.Images images, byte[] labels) {

  public enum Split {
    TRAIN("train"),
    TEST("t10k");

    private final String prefix;

    Split(String prefix) {
      this.prefix = prefix;
    }

    public String fileStem(String kind) {
      return prefix + "-" + kind;
    }
  }

  public MnistDataset {
    if (images.count() != labels.length) {
      throw new IllegalArgumentException(
          name + ": " + images.count() + " images but " + labels.length + " labels");
    }
  }

  public int size() {
    return labels.length;
  }

  public byte[] image(int i) {
    return images.image(i);
  }

  public int label(int i) {
    return labels[i];
  }

  /** Loads one split from {@code dir}, accepting the plain or {@code .gz} form of each file. */
  public static MnistDataset load(Path dir, Split split) throws IOException {
    Path images = find(dir, split.fileStem("images-idx3-ubyte"));
    Path labels = find(dir, split.fileStem("labels-idx1-ubyte"));
    return load(images, labels, split.name().toLowerCase());
  }

  public static MnistDataset load(Path imagesFile, Path labelsFile, String name)
      throws IOException {
    Idx.Images images = Idx.readImages(imagesFile);
    byte[] labels = Idx.readLabels(labelsFile);
    if (images.count() != labels.length) {
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
    return new MnistDataset(name, images, labels);
  }

  /** The file for {@code stem} in {@code dir}; the message says what to put where if absent. */
  public static Path find(Path dir, String stem) {
    for (String candidate : List.of(stem, stem + ".gz", stem.replace("-idx", ".idx"))) {
      Path p = dir.resolve(candidate);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new IdxFormatException(
        dir.resolve(stem),
        "not found (nor "
            + stem
            + ".gz). Run './digitstream fetch-mnist --dir "
            + dir
            + "' or place the four MNIST IDX files there.");
  }
}
