package io.digitstream.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;
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

  /** Black ink filling exactly {@code w} by {@code h} pixels in the middle of white paper. */
  private static BufferedImage inkBox(int w, int h) {
    BufferedImage img = new BufferedImage(w + 40, h + 40, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w + 40, h + 40);
    g.setColor(Color.BLACK);
    g.fillRect(20, 20, w, h);
    g.dispose();
    return img;
  }

  @Test
  void scalesAnInkBoxWhoseScaledEdgeRoundsPastTheCrop() {
    // 21 wide and 22 tall scales to 19 x 20; 19 * (21.0 / 19) is 21.000000000000004, whose ceiling
    // used to index a 22nd column and throw ArrayIndexOutOfBoundsException on the last row.
    for (BufferedImage img : new BufferedImage[] {inkBox(21, 22), inkBox(22, 21), inkBox(25, 45)}) {
      MnistPreprocessor.Placement p = MnistPreprocessor.place(img);
      assertThat(Math.max(p.width(), p.height())).isEqualTo(20);
      assertThat(p.pixels()).hasSize(784);
      // A solid box stays solid: every pixel of it is full ink.
      for (float v : p.scaled()) {
        assertThat(v).isCloseTo(255f, org.assertj.core.data.Offset.offset(0.01f));
      }
    }
  }

  @Test
  void handlesAFourThousandPixelSquarePhotoOfAThinStroke() {
    BufferedImage img = new BufferedImage(4000, 4000, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(250, 230, 200));
    g.fillRect(0, 0, 4000, 4000);
    g.setColor(new Color(20, 20, 60));
    g.setStroke(new BasicStroke(3));
    g.drawLine(3999, 0, 2000, 3999);
    g.dispose();
    MnistPreprocessor.Placement p = MnistPreprocessor.place(img);
    assertThat(p.height()).isEqualTo(20);
    assertThat(p.pixels()).hasSize(784);
  }

  @Test
  void refusesABlankImage() {
    BufferedImage blank = new BufferedImage(50, 50, BufferedImage.TYPE_INT_RGB);
    assertThatThrownBy(() -> MnistPreprocessor.process(blank))
        .isInstanceOf(NoDigitException.class)
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

  /**
   * Dark strokes on light paper of a random size, 1 to 1,500 pixels a side (mostly up to 300),
   * drawn without anti-aliasing so the pixels do not depend on rendering hints.
   */
  private static BufferedImage scribble(Random r) {
    int kind = r.nextInt(4);
    int w = kind == 0 ? 1 + r.nextInt(8) : kind == 3 ? 1 + r.nextInt(1500) : 1 + r.nextInt(300);
    int h = r.nextInt(5) == 0 ? 1 + r.nextInt(8) : 1 + r.nextInt(kind == 3 ? 1500 : 300);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(180 + r.nextInt(76), 180 + r.nextInt(76), 180 + r.nextInt(76)));
    g.fillRect(0, 0, w, h);
    g.setColor(new Color(r.nextInt(60), r.nextInt(60), r.nextInt(60)));
    int lines = 1 + r.nextInt(3);
    for (int i = 0; i < lines; i++) {
      g.setStroke(new BasicStroke(1 + r.nextInt(Math.max(1, Math.min(w, h) / 5))));
      g.drawLine(r.nextInt(w), r.nextInt(h), r.nextInt(w), r.nextInt(h));
    }
    g.dispose();
    return img;
  }

  @Test
  void givesTheBytesItGaveBeforeTheBoundsFixAndNowHandlesTheImagesThatThrew() throws Exception {
    // Pinned with the resampler as it was before its index ranges were clamped: of these 400
    // scribbles, numbers 391 and 396 threw ArrayIndexOutOfBoundsException and 8 had no digit.
    Set<Integer> threwBefore = Set.of(391, 396);
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    Random random = new Random(20261203);
    for (int i = 0; i < 400; i++) {
      BufferedImage img = scribble(random);
      byte[] px;
      try {
        px = MnistPreprocessor.process(img);
      } catch (NoDigitException e) {
        sha.update((byte) 1);
        continue;
      }
      assertThat(px).hasSize(784);
      if (!threwBefore.contains(i)) {
        sha.update(px);
      }
    }
    assertThat(HexFormat.of().formatHex(sha.digest()))
        .isEqualTo("5ce8fa54e074d9a25f946b98aadba54a2f597d536de8ec14016433cacb050826");
  }
}
