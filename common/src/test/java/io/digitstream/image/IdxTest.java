package io.digitstream.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
  @TempDir Path dir;

  private static Idx.Images threeImages() {
    byte[] data = new byte[3 * 28 * 28];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i % 251);
    }
    return new Idx.Images(3, 28, 28, data);
  }

  @Test
  void readsBackWhatItWrote() throws Exception {
    Path images = dir.resolve("x-images-idx3-ubyte");
    Path labels = dir.resolve("x-labels-idx1-ubyte.gz");
    Idx.writeImages(images, threeImages());
    Idx.writeLabels(labels, new byte[] {7, 0, 9});

    Idx.Images read = Idx.readImages(images);
    assertThat(read.count()).isEqualTo(3);
    assertThat(read.rows()).isEqualTo(28);
    assertThat(read.image(2)).isEqualTo(threeImages().image(2));
    assertThat(Idx.readLabels(labels)).containsExactly(7, 0, 9);
  }

  @Test
  void namesTheFileAndTheShortfallOfATruncatedFile() throws Exception {
    Path images = dir.resolve("t-images-idx3-ubyte");
    Idx.writeImages(images, threeImages());
    byte[] bytes = Files.readAllBytes(images);
    Files.write(images, java.util.Arrays.copyOf(bytes, bytes.length - 100));

    assertThatThrownBy(() -> Idx.readImages(images))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining(images.toString())
        .hasMessageContaining("truncated")
        .hasMessageContaining("3 images of 28x28");
  }

  @Test
  void rejectsALabelFileGivenAsImages() throws Exception {
    Path labels = dir.resolve("l-labels-idx1-ubyte");
    Idx.writeLabels(labels, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6});
    assertThatThrownBy(() -> Idx.readImages(labels))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining("magic number 0x00000801, expected 0x00000803");
  }

  @Test
  void rejectsAHeaderOnlyFragment() throws Exception {
    Path f = dir.resolve("frag");
    Files.write(f, new byte[] {0, 0, 8});
    assertThatThrownBy(() -> Idx.readLabels(f)).hasMessageContaining("truncated: 3 bytes");
  }

  @Test
  void rejectsLabelsOutsideZeroToNine() throws Exception {
    Path f = dir.resolve("bad-labels");
    Files.write(
        f, ByteBuffer.allocate(10).putInt(0x801).putInt(2).put((byte) 3).put((byte) 12).array());
    assertThatThrownBy(() -> Idx.readLabels(f)).hasMessageContaining("label 1 is 12");
  }

  @Test
  void rejectsCorruptGzip() throws Exception {
    Path f = dir.resolve("x-images-idx3-ubyte.gz");
    Files.write(f, new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3});
    assertThatThrownBy(() -> Idx.readImages(f))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining(f.toString());
  }

  @Test
  void findsPlainOrGzippedFilesAndExplainsWhatIsMissing() throws Exception {
    Idx.writeImages(dir.resolve("t10k-images-idx3-ubyte.gz"), threeImages());
    Idx.writeLabels(dir.resolve("t10k-labels-idx1-ubyte"), new byte[] {1, 2, 3});
    MnistDataset test = MnistDataset.load(dir, MnistDataset.Split.TEST);
    assertThat(test.size()).isEqualTo(3);
    assertThat(test.label(1)).isEqualTo(2);

    assertThatThrownBy(() -> MnistDataset.load(dir, MnistDataset.Split.TRAIN))
        .hasMessageContaining("train-images-idx3-ubyte")
        .hasMessageContaining("fetch-mnist");
  }

  @Test
  void refusesImagesAndLabelsOfDifferentCounts() throws Exception {
    Idx.writeImages(dir.resolve("t10k-images-idx3-ubyte"), threeImages());
    Idx.writeLabels(dir.resolve("t10k-labels-idx1-ubyte"), new byte[] {1, 2});
    assertThatThrownBy(() -> MnistDataset.load(dir, MnistDataset.Split.TEST))
        .hasMessageContaining("holds 2 labels but");
  }
}
