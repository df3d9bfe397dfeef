package io.digitstream.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.image.InputStats;
import io.digitstream.record.DigitImage;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped bundle's monitoring reference tells digits from what is not one: seeded synthetic
 * inputs of each kind the docs report, against the bundle's own reference digits.
 */
class OutOfDistributionTest {
  static DigitClassifier classifier;
  static MonitoringReference monitoring;
  static List<byte[]> digits;

  @BeforeAll
  static void loadTheShippedBundle() {
    ModelBundle bundle = ModelBundle.open(Path.of("..", "models", "default"));
    classifier = DigitClassifier.load(bundle);
    monitoring = classifier.monitoring().orElseThrow();
    digits = bundle.reference().orElseThrow().pixels();
  }

  private static double flagged(List<byte[]> images) {
    float[][] calibrated =
        Calibration.scaled(classifier.probabilities(images), monitoring.temperature());
    return MonitoringFit.flaggedFraction(monitoring, images, calibrated);
  }

  @Test
  void digitsOfTheTrainingSetAreNotFlagged() {
    assertThat(flagged(digits)).isZero();
  }

  @Test
  void pureNoiseIsFlagged() {
    Random random = new Random(1);
    List<byte[]> noise = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      byte[] px = new byte[DigitImage.PIXELS];
      random.nextBytes(px);
      noise.add(px);
    }
    assertThat(flagged(noise)).isEqualTo(1.0);
  }

  @Test
  void invertedDigitsAreFlagged() {
    List<byte[]> inverted = new ArrayList<>();
    for (byte[] digit : digits) {
      byte[] px = new byte[DigitImage.PIXELS];
      for (int p = 0; p < px.length; p++) {
        px[p] = (byte) (255 - (digit[p] & 0xFF));
      }
      inverted.add(px);
    }
    assertThat(flagged(inverted)).isEqualTo(1.0);
  }

  @Test
  void blankAndEvenlyGreyImagesAreFlagged() {
    List<byte[]> flat = new ArrayList<>();
    for (int v : new int[] {0, 1, 64, 128, 255}) {
      byte[] px = new byte[DigitImage.PIXELS];
      java.util.Arrays.fill(px, (byte) v);
      flat.add(px);
    }
    assertThat(flagged(flat)).isEqualTo(1.0);
  }

  @Test
  void filledRectanglesAreFlagged() {
    Random random = new Random(2);
    List<byte[]> rectangles = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      byte[] px = new byte[DigitImage.PIXELS];
      int w = 4 + random.nextInt(21);
      int h = 4 + random.nextInt(21);
      int x0 = random.nextInt(29 - w);
      int y0 = random.nextInt(29 - h);
      byte v = (byte) (96 + random.nextInt(160));
      for (int y = y0; y < y0 + h; y++) {
        for (int x = x0; x < x0 + w; x++) {
          px[y * DigitImage.SIDE + x] = v;
        }
      }
      rectangles.add(px);
    }
    assertThat(flagged(rectangles)).isEqualTo(1.0);
  }

  @Test
  void randomScribblesAcrossTheFieldAreMostlyFlagged() {
    Random random = new Random(3);
    List<byte[]> scribbles = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      scribbles.add(scribble(random));
    }
    // Some random strokes do look like a digit: measured 94 % flagged (docs/accuracy.md).
    assertThat(flagged(scribbles)).isGreaterThan(0.85);
  }

  /** 6 to 13 anti-aliased strokes between random points of the 28×28 field. */
  private static byte[] scribble(Random random) {
    int side = DigitImage.SIDE;
    BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.setStroke(
        new BasicStroke(
            (float) (1.5 + 2 * random.nextDouble()),
            BasicStroke.CAP_ROUND,
            BasicStroke.JOIN_ROUND));
    Path2D path = new Path2D.Double();
    path.moveTo(random.nextDouble() * side, random.nextDouble() * side);
    int strokes = 6 + random.nextInt(8);
    for (int k = 0; k < strokes; k++) {
      path.lineTo(random.nextDouble() * side, random.nextDouble() * side);
    }
    g.draw(path);
    g.dispose();
    byte[] px = new byte[DigitImage.PIXELS];
    image.getRaster().getDataElements(0, 0, side, side, px);
    return px;
  }

  @Test
  void aTypicalDigitScoresZero() {
    float[] calibrated = monitoring.calibrate(classifier.probabilities(digits.subList(0, 1))[0]);
    assertThat(monitoring.oodScore(InputStats.of(digits.get(0)), calibrated)).isZero();
  }
}
