package io.digitstream.image;

import io.digitstream.record.DigitImage;
import java.util.Locale;
import java.util.Random;

/**
 * One way to distort a 28×28 MNIST-style image (0 = background, 255 = ink), for shifting a stream
 * on purpose: pure functions of the pixels, a strength and a random source. Each kind's default
 * strength is one a monitoring system should catch (see docs/accuracy.md, "Shift on demand").
 */
public enum ShiftKind {
  /** Rotation about the centre by the strength in degrees, clockwise or not at random. */
  ROTATE("rotate", 45, -180, 180, "degrees"),
  /**
   * Additive Gaussian noise of σ = strength grey levels on every pixel, and strength/1000 of the
   * pixels set to 0 or 255 (salt and pepper).
   */
  NOISE("noise", 64, 0, 255, "grey levels (noise σ; strength/1000 of the pixels salt and pepper)"),
  /** Gaussian blur of σ = strength pixels. */
  BLUR("blur", 1.5, 0, 5, "pixels (blur σ)"),
  /** Grey-level dilation by a disk of radius strength pixels; a negative strength thins. */
  THICKEN("thicken", 2, -4, 6, "pixels of stroke radius (negative thins)"),
  /** Every grey level v becomes 255 - v: white paper, dark ink. */
  INVERT("invert", Double.NaN, Double.NaN, Double.NaN, null),
  /**
   * The image is replaced by a synthetic shape that is no digit: boxes, discs, rings, scribbles.
   */
  NONDIGIT("nondigit", Double.NaN, Double.NaN, Double.NaN, null);

  private static final int SIDE = DigitImage.SIDE;
  private static final double CENTRE = (SIDE - 1) / 2.0;

  private final String label;
  private final double defaultStrength;
  private final double minStrength;
  private final double maxStrength;
  private final String unit;

  ShiftKind(String label, double defaultStrength, double min, double max, String unit) {
    this.label = label;
    this.defaultStrength = defaultStrength;
    this.minStrength = min;
    this.maxStrength = max;
    this.unit = unit;
  }

  /** The name users type, e.g. {@code rotate}. */
  public String label() {
    return label;
  }

  /** Whether a strength changes what this kind does; invert and nondigit have none. */
  public boolean hasStrength() {
    return unit != null;
  }

  /** The strength used unless one is given; NaN for kinds without a strength. */
  public double defaultStrength() {
    return defaultStrength;
  }

  public double minStrength() {
    return minStrength;
  }

  public double maxStrength() {
    return maxStrength;
  }

  /** What the strength measures, e.g. {@code degrees}; null for kinds without a strength. */
  public String unit() {
    return unit;
  }

  /** The kind {@code label} names, case-insensitive, or null. */
  public static ShiftKind byLabel(String label) {
    for (ShiftKind kind : values()) {
      if (kind.label.equals(label.trim().toLowerCase(Locale.ROOT))) {
        return kind;
      }
    }
    return null;
  }

  /**
   * A distorted copy of {@code pixels} ({@value DigitImage#PIXELS} bytes, unsigned). The same
   * pixels, strength and random sequence always give the same bytes.
   *
   * @param strength in {@link #unit()}; ignored by kinds without a strength
   */
  public byte[] distort(byte[] pixels, double strength, Random random) {
    if (pixels.length != DigitImage.PIXELS) {
      throw new IllegalArgumentException(
          "expected " + DigitImage.PIXELS + " pixels, got " + pixels.length);
    }
    int[] in = new int[pixels.length];
    for (int i = 0; i < in.length; i++) {
      in[i] = pixels[i] & 0xFF;
    }
    double[] out =
        switch (this) {
          case ROTATE -> rotate(in, random.nextBoolean() ? strength : -strength);
          case NOISE -> noise(in, strength, random);
          case BLUR -> blur(toDoubles(in), strength);
          case THICKEN -> dilate(in, strength);
          case INVERT -> invert(in);
          case NONDIGIT -> NonDigits.draw(random);
        };
    return toBytes(out);
  }

  /** Bilinear resampling of the image turned by {@code degrees} about its centre. */
  private static double[] rotate(int[] in, double degrees) {
    double angle = Math.toRadians(degrees);
    double cos = Math.cos(angle);
    double sin = Math.sin(angle);
    double[] out = new double[in.length];
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        // Inverse mapping: which source point lands on this output pixel.
        double ux = x - CENTRE;
        double uy = y - CENTRE;
        double sx = cos * ux + sin * uy + CENTRE;
        double sy = -sin * ux + cos * uy + CENTRE;
        out[y * SIDE + x] = bilinear(in, sx, sy);
      }
    }
    return out;
  }

  private static double bilinear(int[] in, double x, double y) {
    int x0 = (int) Math.floor(x);
    int y0 = (int) Math.floor(y);
    double ax = x - x0;
    double ay = y - y0;
    return (1 - ay) * ((1 - ax) * at(in, x0, y0) + ax * at(in, x0 + 1, y0))
        + ay * ((1 - ax) * at(in, x0, y0 + 1) + ax * at(in, x0 + 1, y0 + 1));
  }

  private static int at(int[] in, int x, int y) {
    return x < 0 || y < 0 || x >= SIDE || y >= SIDE ? 0 : in[y * SIDE + x];
  }

  private static double[] noise(int[] in, double sigma, Random random) {
    double saltAndPepper = sigma / 1000;
    double[] out = new double[in.length];
    for (int i = 0; i < in.length; i++) {
      out[i] = in[i] + sigma * random.nextGaussian();
      if (random.nextDouble() < saltAndPepper) {
        out[i] = random.nextBoolean() ? 255 : 0;
      }
    }
    return out;
  }

  /** Separable Gaussian blur, background beyond the border; σ 0 leaves the image as it is. */
  static double[] blur(double[] in, double sigma) {
    if (sigma <= 0) {
      return in.clone();
    }
    int radius = (int) Math.ceil(3 * sigma);
    double[] kernel = new double[2 * radius + 1];
    double sum = 0;
    for (int i = -radius; i <= radius; i++) {
      kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
      sum += kernel[i + radius];
    }
    for (int i = 0; i < kernel.length; i++) {
      kernel[i] /= sum;
    }
    double[] rows = new double[in.length];
    double[] out = new double[in.length];
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        double v = 0;
        for (int k = -radius; k <= radius; k++) {
          int xx = x + k;
          if (xx >= 0 && xx < SIDE) {
            v += kernel[k + radius] * in[y * SIDE + xx];
          }
        }
        rows[y * SIDE + x] = v;
      }
    }
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        double v = 0;
        for (int k = -radius; k <= radius; k++) {
          int yy = y + k;
          if (yy >= 0 && yy < SIDE) {
            v += kernel[k + radius] * rows[yy * SIDE + x];
          }
        }
        out[y * SIDE + x] = v;
      }
    }
    return out;
  }

  /**
   * Grey-level dilation (maximum over a disk of radius {@code radius}) or, for a negative radius,
   * erosion (minimum); beyond the border is background.
   */
  private static double[] dilate(int[] in, double radius) {
    boolean thin = radius < 0;
    double r = Math.abs(radius);
    int reach = (int) Math.floor(r);
    double[] out = new double[in.length];
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        int best = in[y * SIDE + x];
        for (int dy = -reach; dy <= reach; dy++) {
          for (int dx = -reach; dx <= reach; dx++) {
            if (dx * dx + dy * dy > r * r) {
              continue;
            }
            int v = at(in, x + dx, y + dy);
            best = thin ? Math.min(best, v) : Math.max(best, v);
          }
        }
        out[y * SIDE + x] = best;
      }
    }
    return out;
  }

  private static double[] invert(int[] in) {
    double[] out = new double[in.length];
    for (int i = 0; i < in.length; i++) {
      out[i] = 255 - in[i];
    }
    return out;
  }

  private static double[] toDoubles(int[] in) {
    double[] out = new double[in.length];
    for (int i = 0; i < in.length; i++) {
      out[i] = in[i];
    }
    return out;
  }

  private static byte[] toBytes(double[] values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) Math.max(0, Math.min(255, Math.round(values[i])));
    }
    return out;
  }
}
