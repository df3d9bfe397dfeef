package io.digitstream.streams.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.image.MnistDataset;
import io.digitstream.record.DigitImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PendingImageTest {
  private final PendingImage.StoreSerde serde = new PendingImage.StoreSerde();

  private PendingImage roundTrip(PendingImage image) {
    byte[] bytes = serde.serializer().serialize("t", image);
    return serde.deserializer().deserialize("t", bytes);
  }

  @Test
  void roundTripsImagesOfEveryShape() {
    Random random = new Random(7);
    byte[] blank = new byte[DigitImage.PIXELS];
    byte[] full = new byte[DigitImage.PIXELS];
    Arrays.fill(full, (byte) 255);
    byte[] noise = new byte[DigitImage.PIXELS];
    random.nextBytes(noise);
    byte[] sparse = new byte[DigitImage.PIXELS];
    for (int i = 0; i < sparse.length; i += 37) {
      sparse[i] = (byte) (1 + random.nextInt(255));
    }
    byte[] edges = new byte[DigitImage.PIXELS];
    edges[0] = 1;
    edges[DigitImage.PIXELS - 1] = (byte) 200;
    for (byte[] pixels : new byte[][] {blank, full, noise, sparse, edges}) {
      PendingImage image = new PendingImage("id-ü", pixels.clone(), 1_763_784_000_123L);
      assertThat(roundTrip(image)).isEqualTo(image);
    }
  }

  @Test
  void roundTripsTheWorstCaseOfTheCodingIsolatedZerosBetweenInk() {
    // Noise with half the pixels at 0 (a shifted stream): before the bound was right, such images
    // overflowed the coding buffer and failed the stream thread.
    byte[] alternating = new byte[DigitImage.PIXELS];
    for (int i = 1; i < alternating.length; i += 2) {
      alternating[i] = (byte) 200;
    }
    assertThat(PendingImage.encodeZeroRuns(alternating).length).isGreaterThan(0);
    Random random = new Random(11);
    for (int n = 0; n < 2_000; n++) {
      byte[] pixels = new byte[DigitImage.PIXELS];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = random.nextBoolean() ? 0 : (byte) (1 + random.nextInt(255));
      }
      for (byte[] p : new byte[][] {alternating, pixels}) {
        PendingImage image = new PendingImage("img-" + n, p.clone(), n);
        assertThat(roundTrip(image)).isEqualTo(image);
      }
    }
  }

  @Test
  void mnistDigitsTakeAboutAThirdOfTheirRawSize() throws Exception {
    // Tests run in the module directory; the build fetches MNIST into the repository's data/.
    Path here = Path.of("").toAbsolutePath();
    Path root = Files.isDirectory(here.resolve("streams-app")) ? here : here.getParent();
    MnistDataset test = MnistDataset.load(root.resolve("data/mnist"), MnistDataset.Split.TEST);
    long raw = 0;
    long coded = 0;
    for (int i = 0; i < 1000; i++) {
      PendingImage image = new PendingImage("mnist-test-" + i, test.image(i), i);
      assertThat(roundTrip(image)).isEqualTo(image);
      raw += DigitImage.PIXELS;
      coded += PendingImage.encodeZeroRuns(image.pixels()).length;
    }
    assertThat((double) coded / raw).isBetween(0.2, 0.45);
  }

  @Test
  void readsTheRawFormatOfEarlierVersions() {
    byte[] pixels = new byte[DigitImage.PIXELS];
    pixels[100] = 42;
    byte[] id = "old".getBytes(StandardCharsets.UTF_8);
    byte[] bytes =
        ByteBuffer.allocate(1 + 8 + 2 + id.length + pixels.length)
            .put((byte) 1)
            .putLong(5L)
            .putShort((short) id.length)
            .put(id)
            .put(pixels)
            .array();
    assertThat(serde.deserializer().deserialize("t", bytes))
        .isEqualTo(new PendingImage("old", pixels, 5L));
  }

  @Test
  void refusesAnUnknownFormatOrTooManyPixels() {
    assertThatThrownBy(() -> serde.deserializer().deserialize("t", new byte[] {9, 0, 0}))
        .hasMessageContaining("unknown format 9");
    byte[] bytes =
        ByteBuffer.allocate(1 + 8 + 2 + 8)
            .put((byte) 2)
            .putLong(5L)
            .putShort((short) 0)
            .put(new byte[] {(byte) 255, 0, (byte) 255, 0, (byte) 255, 0, (byte) 255, 0})
            .array();
    assertThatThrownBy(() -> serde.deserializer().deserialize("t", bytes))
        .hasMessageContaining("more than 784 pixels");
    byte[] truncated = Arrays.copyOf(bytes, bytes.length - 4);
    assertThatThrownBy(() -> serde.deserializer().deserialize("t", truncated))
        .hasMessageContaining("truncated");
  }
}
