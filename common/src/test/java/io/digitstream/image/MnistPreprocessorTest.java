package io.digitstream.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistPreprocessorTest {
  @TempDir Path dir;

  /** A black vertical bar, 10 wide and 80 tall, off-centre on a white 200x120 page. */
  private static BufferedImage barOnPaper() {
    BufferedImage img = new BufferedImage(200, 120, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 200, 120);
    g.setColor(Color.BLACK);
    g.fillRect(20, 10, 10, 80);
    g.dispose();
    return img;
  }

  @Test
  void invertsCropsScalesToTwentyAndCentresByMass() {
    byte[] px = MnistPreprocessor.process(barOnPaper());
    assertThat(px).hasSize(784);
    int top = 28, bottom = -1, left = 28, right = -1;
    double mass = 0, mx = 0, my = 0;
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        int v = px[y * 28 + x] & 0xFF;
        if (v > 0) {
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
          left = Math.min(left, x);
          right = Math.max(right, x);
        }
        mass += v;
        mx += v * x;
        my += v * y;
      }
    }
    // The long side becomes 20 pixels, the short one keeps its ratio (10:80 -> about 3).
    assertThat(bottom - top + 1).isEqualTo(20);
    assertThat(right - left + 1).isBetween(2, 3);
    assertThat(mx / mass).isCloseTo(13.5, org.assertj.core.data.Offset.offset(0.6));
    assertThat(my / mass).isCloseTo(13.5, org.assertj.core.data.Offset.offset(0.6));
    // Ink is bright: the bar's middle is full intensity, the corners are background.
    assertThat(px[14 * 28 + 14] & 0xFF).isGreaterThan(200);
    assertThat(px[0] & 0xFF).isZero();
  }

  @Test
  void keepsLightOnDarkImagesAsTheyAre() {
    BufferedImage dark = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = dark.createGraphics();
    g.setColor(Color.WHITE);
    g.setStroke(new BasicStroke(2));
    g.drawOval(8, 4, 12, 20);
    g.dispose();
    byte[] px = MnistPreprocessor.process(dark);
    int bright = 0;
    for (byte b : px) {
      if ((b & 0xFF) > 128) {
        bright++;
      }
    }
    assertThat(bright).isBetween(30, 200);
    assertThat(px[0]).isZero();
  }

  @Test
  void isStableOnAnMnistDigitAlreadyInShape() {
    // A 28x28 MNIST-like digit goes through unchanged in size: 20 pixels tall, centred.
    BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(12, 4, 4, 20);
    g.dispose();
    byte[] px = MnistPreprocessor.process(img);
    assertThat(px[14 * 28 + 13] & 0xFF).isEqualTo(255);
    assertThat(px[2 * 28 + 13] & 0xFF).isZero();
  }

  @Test
  void refusesABlankImage() {
    BufferedImage blank = new BufferedImage(50, 50, BufferedImage.TYPE_INT_RGB);
    assertThatThrownBy(() -> MnistPreprocessor.process(blank))
        .hasMessageContaining("no digit found");
  }

  @Test
  void readsPngJpegBmpAndGifFiles() throws Exception {
    for (String format : new String[] {"png", "jpg", "bmp", "gif"}) {
      Path f = dir.resolve("bar." + format);
      ImageIO.write(barOnPaper(), format, f.toFile());
      byte[] px = MnistPreprocessor.fromFile(f);
      assertThat(px[14 * 28 + 14] & 0xFF).as(format).isGreaterThan(150);
    }
  }

  @Test
  void namesTheFileThatIsNotAnImage() throws Exception {
    Path f = dir.resolve("notes.png");
    Files.writeString(f, "this is text");
    assertThatThrownBy(() -> MnistPreprocessor.fromFile(f))
        .isInstanceOf(ImageFileException.class)
        .hasMessageContaining("notes.png")
        .hasMessageContaining("not an image");
    assertThatThrownBy(() -> MnistPreprocessor.fromFile(dir.resolve("absent.png")))
        .hasMessageContaining("no such file");
  }
}
