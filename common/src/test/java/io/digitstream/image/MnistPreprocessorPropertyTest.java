package io.digitstream.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * What the preprocessing promises for every picture, checked on generated ones: sides of 1 to 4,000
 * pixels with extreme aspect ratios, strokes from 1 pixel wide, ink that touches the borders, dark
 * on coloured paper or light on dark, in RGB, ARGB with transparent paper, 8- and 16-bit grey and
 * palette images.
 */
class MnistPreprocessorPropertyTest {
  private static final double CENTRE = 13.5;
  private static final int MAX_AREA = 2_000_000;

  /** The only refusal is "no digit"; everything else gives 784 bytes. */
  @Property(tries = 300, edgeCases = EdgeCasesMode.NONE)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void neverThrowsAnythingButNoDigitAndAlwaysGives784Bytes(@ForAll("pictures") Picture picture) {
    // Most generated pictures must hold a digit, or the other properties would prove little.
    Statistics.coverage(c -> c.check("digit").percentage(p -> p >= 60));
    BufferedImage image = picture.render();
    byte[] pixels;
    try {
      pixels = MnistPreprocessor.process(image);
    } catch (NoDigitException e) {
      Statistics.collect("no digit");
      return;
    }
    Statistics.collect("digit");
    assertThat(pixels).hasSize(784);
  }

  /** The ink's bounding box is scaled so that its long side is exactly 20 pixels. */
  @Property(tries = 200, edgeCases = EdgeCasesMode.NONE)
  void scalesTheInksLongSideToTwentyPixels(@ForAll("pictures") Picture picture) {
    MnistPreprocessor.Placement p = placeOrSkip(picture);
    if (p == null) {
      return;
    }
    assertThat(Math.max(p.width(), p.height())).isEqualTo(MnistPreprocessor.BOX);
    assertThat(Math.min(p.width(), p.height())).isBetween(1, MnistPreprocessor.BOX);
    // The crop is tight, so the scaled ink reaches all four sides of its box.
    assertThat(rowMass(p, 0)).isPositive();
    assertThat(rowMass(p, p.height() - 1)).isPositive();
    assertThat(columnMass(p, 0)).isPositive();
    assertThat(columnMass(p, p.width() - 1)).isPositive();
    // And the 784 bytes show nothing outside that box.
    byte[] pixels = p.pixels();
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        boolean inBox =
            x >= p.left() && x < p.left() + p.width() && y >= p.top() && y < p.top() + p.height();
        if (!inBox) {
          assertThat(pixels[y * 28 + x]).as("pixel %d,%d outside the box", x, y).isZero();
        }
      }
    }
  }

  /**
   * The centre of mass lands within a pixel of the field's centre whenever the box can be placed
   * there without leaving the field (MNIST's rule; a lopsided digit is pushed back inside).
   */
  @Property(tries = 200, edgeCases = EdgeCasesMode.NONE)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void centresTheMassWithinOnePixelWhenTheInkFits(@ForAll("pictures") Picture picture) {
    MnistPreprocessor.Placement p = placeOrSkip(picture);
    if (p == null) {
      return;
    }
    Statistics.collect(p.clamped() ? "clamped" : "fits");
    if (p.clamped()) {
      return;
    }
    // Before rounding to bytes the placement is exact: within half a pixel.
    double fm = 0, fx = 0, fy = 0;
    for (int y = 0; y < p.height(); y++) {
      for (int x = 0; x < p.width(); x++) {
        float v = p.scaled()[y * p.width() + x];
        fm += v;
        fx += v * (x + p.left());
        fy += v * (y + p.top());
      }
    }
    assertThat(fx / fm).isCloseTo(CENTRE, org.assertj.core.data.Offset.offset(0.5 + 1e-6));
    assertThat(fy / fm).isCloseTo(CENTRE, org.assertj.core.data.Offset.offset(0.5 + 1e-6));
    byte[] pixels = p.pixels();
    double mass = 0, mx = 0, my = 0;
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        int v = pixels[y * 28 + x] & 0xFF;
        mass += v;
        mx += v * x;
        my += v * y;
      }
    }
    // Rounding moves each of the box's at most 400 pixels by at most 0.5, at most 19 pixels from
    // the centre of mass, so the bytes' centre moves at most 0.5 * 400 * 19 / mass: half a pixel
    // once the bytes hold 7,600 (30 pixels of full ink). Fainter ink, such as two specks far apart
    // in a large photo, can fade to nearly nothing when shrunk; that is MNIST's anti-aliasing.
    Statistics.label("ink in bytes").collect(mass >= 7600 ? "enough" : "faint");
    if (mass >= 7600) {
      assertThat(mx / mass).isCloseTo(CENTRE, org.assertj.core.data.Offset.offset(1.0));
      assertThat(my / mass).isCloseTo(CENTRE, org.assertj.core.data.Offset.offset(1.0));
    }
  }

  /**
   * Any ink box, 1 to 4,000 pixels a side, scales to a box whose long side is 20 and which is still
   * solid ink: the resampler reads every pixel of the crop with its share and nothing outside it.
   * Grey levels are built directly, so each try is cheap.
   */
  @Property(tries = 1000, edgeCases = EdgeCasesMode.MIXIN)
  void scalesASolidInkBoxOfAnySizeToASolidBoxTwentyPixelsLong(
      @ForAll @IntRange(min = 1, max = 4000) int width,
      @ForAll @IntRange(min = 1, max = 4000) int height) {
    // A million pixels at most keeps a try in milliseconds; the short side gives way.
    int w = width >= height ? width : Math.min(width, MAX_AREA / 2 / height);
    int h = height > width ? height : Math.min(height, MAX_AREA / 2 / width);
    // Light ink on a one-pixel dark frame, so the crop is exactly w by h.
    int fw = w + 2, fh = h + 2;
    float[] gray = new float[fw * fh];
    for (int y = 1; y <= h; y++) {
      java.util.Arrays.fill(gray, y * fw + 1, y * fw + 1 + w, 255f);
    }
    MnistPreprocessor.Placement p = MnistPreprocessor.place(gray, fw, fh);
    assertThat(Math.max(p.width(), p.height())).isEqualTo(MnistPreprocessor.BOX);
    int expectedShort = Math.max(1, (int) Math.round(Math.min(w, h) * 20.0 / Math.max(w, h)));
    assertThat(Math.min(p.width(), p.height())).isEqualTo(expectedShort);
    for (float v : p.scaled()) {
      assertThat(v).isCloseTo(255f, org.assertj.core.data.Offset.offset(0.01f));
    }
  }

  private static MnistPreprocessor.Placement placeOrSkip(Picture picture) {
    try {
      return MnistPreprocessor.place(picture.render());
    } catch (NoDigitException e) {
      return null;
    }
  }

  private static double rowMass(MnistPreprocessor.Placement p, int y) {
    double sum = 0;
    for (int x = 0; x < p.width(); x++) {
      sum += p.scaled()[y * p.width() + x];
    }
    return sum;
  }

  private static double columnMass(MnistPreprocessor.Placement p, int x) {
    double sum = 0;
    for (int y = 0; y < p.height(); y++) {
      sum += p.scaled()[y * p.width() + x];
    }
    return sum;
  }

  /** A straight stroke between two points given as fractions of the picture's sides. */
  record Stroke(double x0, double y0, double x1, double y1, int width) {}

  /**
   * A picture to draw, described rather than drawn so that jqwik can shrink it and print it.
   *
   * @param type a {@code BufferedImage.TYPE_*} constant
   * @param lightInk light ink on dark paper instead of dark ink on light paper
   * @param transparentPaper for ARGB: paper with alpha 0 (it counts as white)
   */
  record Picture(
      int type,
      int width,
      int height,
      int paper,
      int ink,
      boolean lightInk,
      boolean transparentPaper,
      boolean antialiased,
      List<Stroke> strokes) {

    BufferedImage render() {
      BufferedImage image = new BufferedImage(width, height, type);
      Graphics2D g = image.createGraphics();
      g.setRenderingHint(
          RenderingHints.KEY_ANTIALIASING,
          antialiased ? RenderingHints.VALUE_ANTIALIAS_ON : RenderingHints.VALUE_ANTIALIAS_OFF);
      if (!(transparentPaper && type == BufferedImage.TYPE_INT_ARGB)) {
        g.setColor(shade(paper, !lightInk));
        g.fillRect(0, 0, width, height);
      }
      g.setColor(shade(ink, lightInk));
      for (Stroke s : strokes) {
        g.setStroke(new BasicStroke(s.width(), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.drawLine(
            (int) Math.round(s.x0() * (width - 1)),
            (int) Math.round(s.y0() * (height - 1)),
            (int) Math.round(s.x1() * (width - 1)),
            (int) Math.round(s.y1() * (height - 1)));
      }
      g.dispose();
      return image;
    }

    /** A colour from 0xRRGGBB pushed into the light (170–255) or dark (0–85) third. */
    private static Color shade(int rgb, boolean light) {
      int base = light ? 170 : 0;
      return new Color(
          base + ((rgb >> 16) & 0xFF) / 3, base + ((rgb >> 8) & 0xFF) / 3, base + (rgb & 0xFF) / 3);
    }
  }

  @Provide
  Arbitrary<Picture> pictures() {
    Arbitrary<Integer> types =
        Arbitraries.of(
            BufferedImage.TYPE_INT_RGB,
            BufferedImage.TYPE_INT_ARGB,
            BufferedImage.TYPE_USHORT_GRAY,
            BufferedImage.TYPE_BYTE_INDEXED,
            BufferedImage.TYPE_BYTE_GRAY);
    Arbitrary<Integer> colours = Arbitraries.integers().between(0, 0xFFFFFF);
    Arbitrary<Boolean> flags = Arbitraries.of(true, false);
    return Combinators.combine(
            types,
            sizes(),
            colours,
            colours,
            flags,
            flags,
            flags,
            Arbitraries.integers().between(1, 48).list().ofMinSize(1).ofMaxSize(4))
        .flatAs(
            (type, size, paper, ink, lightInk, transparent, antialiased, widths) ->
                strokes(widths, Math.min(size.get1(), size.get2()))
                    .map(
                        strokes ->
                            new Picture(
                                type,
                                size.get1(),
                                size.get2(),
                                paper,
                                ink,
                                lightInk,
                                transparent,
                                antialiased,
                                strokes)));
  }

  /** Mostly small pictures, some large, and needle-thin ones 1–3 pixels across and up to 4,000. */
  private static Arbitrary<Tuple.Tuple2<Integer, Integer>> sizes() {
    Arbitrary<Integer> side =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.integers().between(1, 8)),
            Tuple.of(12, Arbitraries.integers().between(9, 200)),
            Tuple.of(2, Arbitraries.integers().between(201, 1000)),
            Tuple.of(1, Arbitraries.integers().between(1001, 4000)));
    // At most 2 megapixels, so the suite takes seconds: the short side gives way.
    Arbitrary<Tuple.Tuple2<Integer, Integer>> independent =
        Combinators.combine(side, side)
            .as(
                (w, h) ->
                    w >= h
                        ? Tuple.of(w, Math.min(h, MAX_AREA / w))
                        : Tuple.of(Math.min(w, MAX_AREA / h), h));
    Arbitrary<Integer> thin = Arbitraries.integers().between(1, 3);
    Arbitrary<Integer> length = Arbitraries.integers().between(500, 4000);
    Arbitrary<Tuple.Tuple2<Integer, Integer>> needle =
        Combinators.combine(thin, length, Arbitraries.of(true, false))
            .as((t, l, wide) -> wide ? Tuple.of(l, t) : Tuple.of(t, l));
    return Arbitraries.frequencyOf(Tuple.of(8, independent), Tuple.of(2, needle));
  }

  /**
   * Strokes whose ends are often on the picture's edge, at most a quarter of its short side wide.
   */
  private static Arbitrary<List<Stroke>> strokes(List<Integer> widths, int shortSide) {
    Arbitrary<Double> coordinate =
        Arbitraries.frequencyOf(
            Tuple.of(1, Arbitraries.just(0.0)),
            Tuple.of(1, Arbitraries.just(1.0)),
            Tuple.of(4, Arbitraries.doubles().between(0, 1)));
    int maxWidth = Math.max(1, shortSide / 4);
    return Combinators.combine(coordinate, coordinate, coordinate, coordinate)
        .as((x0, y0, x1, y1) -> new double[] {x0, y0, x1, y1})
        .list()
        .ofSize(widths.size())
        .map(
            ends -> {
              List<Stroke> strokes = new java.util.ArrayList<>();
              for (int i = 0; i < ends.size(); i++) {
                double[] e = ends.get(i);
                strokes.add(new Stroke(e[0], e[1], e[2], e[3], 1 + (widths.get(i) - 1) % maxWidth));
              }
              return strokes;
            });
  }
}
