package io.digitstream.producer.source;

import io.digitstream.image.FileFailure;
import io.digitstream.image.ImageFileException;
import io.digitstream.image.ImageFiles;
import io.digitstream.image.MnistPreprocessor;
import io.digitstream.record.DigitImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Image files (PNG, JPEG, BMP, GIF), given one by one or as directories searched recursively, each
 * turned into a 28×28 MNIST-style image by the shared {@link MnistPreprocessor}. A file that cannot
 * be decoded or holds no digit becomes a {@link BadInput} naming the file and the reason; any other
 * failure on a file is digitstream's own and becomes an {@link InternalFailure}. Either way the
 * other files go on.
 *
 * <p>Ids are paths relative to what was given, so they do not depend on the working directory: a
 * directory {@code ~/scans} yields {@code scans/7/abc.png}, a single file yields its name.
 */
public final class FileTreeSource implements ImageSource {
  private final String name;
  private final List<Entry> selected;
  private final FileLabels labels;
  private final Function<Path, byte[]> preprocessing;

  private record Entry(Path file, String id) {}

  private FileTreeSource(
      String name, List<Entry> selected, FileLabels labels, Function<Path, byte[]> preprocessing) {
    this.name = name;
    this.selected = selected;
    this.labels = labels;
    this.preprocessing = preprocessing;
  }

  /**
   * Lists the image files under {@code roots} (sorted within each root) and selects among them.
   *
   * @throws ImageFileException if a root does not exist or no root holds an image file
   * @throws IllegalArgumentException if two files would get the same id
   */
  public static FileTreeSource of(List<Path> roots, FileLabels labels, Selection selection)
      throws IOException {
    return of(roots, labels, selection, MnistPreprocessor::fromFile);
  }

  /** The same, with another way from a file to its 784 pixels, so tests can make one fail. */
  static FileTreeSource of(
      List<Path> roots,
      FileLabels labels,
      Selection selection,
      Function<Path, byte[]> preprocessing)
      throws IOException {
    if (roots.isEmpty()) {
      throw new IllegalArgumentException("no image files or directories given");
    }
    List<Entry> all = new ArrayList<>();
    Map<String, Path> byId = new HashMap<>();
    for (Path root : roots) {
      Path base = root.toAbsolutePath().normalize();
      Path baseName = base.getFileName();
      List<Path> files = ImageFiles.list(root);
      for (Path file : files) {
        String relative =
            file.equals(root)
                ? String.valueOf(baseName)
                : (baseName == null ? "" : baseName + "/")
                    + separatorsToSlash(root.relativize(file));
        String id = idFrom(relative);
        Path previous = byId.putIfAbsent(id, file);
        if (previous != null) {
          throw new IllegalArgumentException(
              previous
                  + " and "
                  + file
                  + " would both have the id "
                  + id
                  + "; pass only one of them");
        }
        all.add(new Entry(file, id));
      }
    }
    if (all.isEmpty()) {
      throw new ImageFileException(
          roots.get(0),
          "no image files found (looked for "
              + String.join(", ", ImageFiles.EXTENSIONS.stream().sorted().toList())
              + ")");
    }
    List<Entry> selected = new ArrayList<>();
    for (int i : selection.indices(all.size(), "image files")) {
      selected.add(all.get(i));
    }
    String name =
        "files:"
            + String.join(",", roots.stream().map(r -> String.valueOf(r.getFileName())).toList());
    return new FileTreeSource(name, List.copyOf(selected), labels, preprocessing);
  }

  private static String separatorsToSlash(Path relative) {
    return relative.toString().replace(relative.getFileSystem().getSeparator(), "/");
  }

  /** Keeps the end of an over-long path: the file name and nearest directories tell most. */
  private static String idFrom(String relative) {
    int max = DigitImage.MAX_ID_LENGTH;
    return relative.length() <= max
        ? relative
        : "..." + relative.substring(relative.length() - (max - 3));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int size() {
    return selected.size();
  }

  /** The ids of the selected files, in publishing order. */
  public List<String> ids() {
    return selected.stream().map(Entry::id).toList();
  }

  @Override
  public Iterator<SourceItem> iterator() {
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < selected.size();
      }

      @Override
      public SourceItem next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return load(selected.get(next++));
      }
    };
  }

  private SourceItem load(Entry entry) {
    Path file = entry.file();
    OptionalInt label;
    try {
      label = labels.labelOf(file);
    } catch (IllegalArgumentException e) {
      return new BadInput(file.toString(), e.getMessage());
    }
    try {
      byte[] pixels = preprocessing.apply(file);
      return new LabelledImage(new DigitImage(entry.id(), pixels, file.toString()), label);
    } catch (RuntimeException | OutOfMemoryError e) {
      // One file costs that file only. Decoding failures are the file's (ImageFiles turns a
      // decoder's exceptions into ImageFileException); anything after decoding is ours.
      FileFailure failure = FileFailure.of(file, e);
      return failure.internal()
          ? new InternalFailure(file.toString(), failure.reason(), e)
          : new BadInput(file.toString(), failure.reason());
    }
  }
}
