package io.digitstream.producer.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.image.Idx;
import io.digitstream.image.IdxFormatException;
import io.digitstream.image.MnistDataset;
import io.digitstream.producer.TestImages;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxSourceTest {
  @TempDir Path dir;

  private static List<LabelledImage> all(ImageSource source) {
    List<LabelledImage> out = new ArrayList<>();
    source.forEach(item -> out.add((LabelledImage) item));
    return out;
  }

  @Test
  void idsNameTheSplitAndTheIndexInTheFile() throws Exception {
    TestImages.writeMnistTest(dir, 50, 1);
    IdxSource source = IdxSource.mnist(dir, MnistDataset.Split.TEST, Selection.all());

    assertThat(source.name()).isEqualTo("mnist-test");
    assertThat(all(source).get(42).image().id()).isEqualTo("mnist-test-00042");
  }

  @Test
  void yieldsThePixelsAndLabelsOfTheFile() throws Exception {
    TestImages.Mnist mnist = TestImages.writeMnistTest(dir, 20, 2);
    List<LabelledImage> images =
        all(IdxSource.mnist(dir, MnistDataset.Split.TEST, Selection.all()));

    assertThat(images).hasSize(20);
    for (int i = 0; i < 20; i++) {
      assertThat(images.get(i).image().pixels()).isEqualTo(mnist.image(i));
      assertThat(images.get(i).label()).isEqualTo(OptionalInt.of(mnist.labels()[i]));
      assertThat(images.get(i).image().source()).isEqualTo("mnist-test");
    }
  }

  @Test
  void offsetAndLimitSelectAWindowAndKeepTheIds() throws Exception {
    TestImages.Mnist mnist = TestImages.writeMnistTest(dir, 100, 3);
    IdxSource source =
        IdxSource.mnist(dir, MnistDataset.Split.TEST, new Selection(40, 5, false, 0));

    assertThat(source.size()).isEqualTo(5);
    assertThat(all(source))
        .extracting(i -> i.image().id())
        .containsExactly(
            "mnist-test-00040",
            "mnist-test-00041",
            "mnist-test-00042",
            "mnist-test-00043",
            "mnist-test-00044");
    assertThat(all(source).get(2).image().pixels()).isEqualTo(mnist.image(42));
  }

  @Test
  void shuffleIsDeterministicBySeedAndIdsStillFollowTheImages() throws Exception {
    TestImages.Mnist mnist = TestImages.writeMnistTest(dir, 200, 4);
    List<LabelledImage> first =
        all(IdxSource.mnist(dir, MnistDataset.Split.TEST, new Selection(0, 10, true, 9)));
    List<LabelledImage> again =
        all(IdxSource.mnist(dir, MnistDataset.Split.TEST, new Selection(0, 10, true, 9)));

    assertThat(first)
        .extracting(i -> i.image().id())
        .isEqualTo(again.stream().map(i -> i.image().id()).toList());
    assertThat(first)
        .extracting(i -> i.image().id())
        .isNotEqualTo(
            all(IdxSource.mnist(dir, MnistDataset.Split.TEST, new Selection(0, 10, false, 9)))
                .stream()
                .map(i -> i.image().id())
                .toList());
    for (LabelledImage image : first) {
      int index = Integer.parseInt(image.image().id().substring("mnist-test-".length()));
      assertThat(image.image().pixels()).isEqualTo(mnist.image(index));
      assertThat(image.label().getAsInt()).isEqualTo(mnist.labels()[index]);
    }
  }

  @Test
  void anyIdxFilesAreNamedAfterTheImageFile() throws Exception {
    TestImages.writeMnistTest(dir, 3, 5);
    IdxSource source =
        IdxSource.files(
            dir.resolve("t10k-images-idx3-ubyte"),
            dir.resolve("t10k-labels-idx1-ubyte"),
            Selection.all());

    assertThat(source.name()).isEqualTo("t10k");
    assertThat(all(source).get(2).image().id()).isEqualTo("t10k-00002");
    assertThat(IdxSource.nameOf(Path.of("fashion-train-images-idx3-ubyte.gz")))
        .isEqualTo("fashion-train");
    assertThat(IdxSource.nameOf(Path.of("my digits.idx3-ubyte"))).isEqualTo("my-digits");
  }

  @Test
  void imagesWithoutALabelFileHaveNoLabels() throws Exception {
    TestImages.writeMnistTest(dir, 3, 6);
    IdxSource source =
        IdxSource.files(dir.resolve("t10k-images-idx3-ubyte"), null, Selection.all());

    assertThat(source.hasLabels()).isFalse();
    assertThat(all(source)).allSatisfy(i -> assertThat(i.label()).isEmpty());
  }

  @Test
  void refusesALabelFileWithAnotherCountNamingBothFiles() throws Exception {
    TestImages.writeMnistTest(dir, 3, 7);
    Path labels = dir.resolve("other-labels-idx1-ubyte");
    Idx.writeLabels(labels, new byte[] {1, 2});

    assertThatThrownBy(
            () -> IdxSource.files(dir.resolve("t10k-images-idx3-ubyte"), labels, Selection.all()))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining(labels.toString())
        .hasMessageContaining("2 labels")
        .hasMessageContaining("3 images");
  }

  @Test
  void refusesImagesThatAreNot28By28() throws Exception {
    Path images = dir.resolve("big-images-idx3-ubyte");
    Idx.writeImages(images, new Idx.Images(1, 32, 32, new byte[32 * 32]));

    assertThatThrownBy(() -> IdxSource.files(images, null, Selection.all()))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining(images.toString())
        .hasMessageContaining("32x32");
  }

  @Test
  void aMissingMnistDirectorySaysWhatToPutWhere() {
    Path nowhere = dir.resolve("nowhere");
    assertThatThrownBy(() -> IdxSource.mnist(nowhere, MnistDataset.Split.TEST, Selection.all()))
        .isInstanceOf(IdxFormatException.class)
        .hasMessageContaining(nowhere.toString())
        .hasMessageContaining("fetch-mnist");
  }
}
