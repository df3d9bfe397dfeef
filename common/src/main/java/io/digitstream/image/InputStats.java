package io.digitstream.image;

import io.digitstream.record.DigitImage;

/**
 * Summary figures of one 28×28 MNIST-style image, the inputs of drift and out-of-distribution
 * scores: computed once per image by the scorer, and over the training set for a bundle's
 * reference, by this one method.
 *
 * @param inkMass sum of the grey levels / 255: how much ink
 * @param inkWidth columns between the leftmost and the rightmost ink pixel, inclusive; 0 if blank
 * @param inkHeight rows between the top and the bottom ink pixel, inclusive; 0 if blank
 * @param centreSpread root-mean-square distance of the ink from its centre of mass, in pixels,
 *     weighted by grey level; 0 if blank
 * @param centreOffset distance of the centre of mass from the image centre (14, 14), in pixels
 * @param intensity number of pixels per grey-level bin ({@link #intensityBin}), {@value
 *     #INTENSITY_BINS} bins
 */
public record InputStats(
    double inkMass,
    int inkWidth,
    int inkHeight,
    double centreSpread,
    double centreOffset,
    int[] intensity) {
  /** Bins: 0, then 1–31, 32–63, …, 224–254 (8 bins of 32 levels, the first one short), and 255. */
  public static final int INTENSITY_BINS = 10;

  /** Grey levels from this one on count as ink for the ink box. */
  public static final int INK_LEVEL = 32;

  public InputStats {
    intensity = intensity.clone();
  }

  @Override
  public int[] intensity() {
    return intensity.clone();
  }

  /** The intensity bin of grey level {@code v} (0–255). */
  public static int intensityBin(int v) {
    return v == 0 ? 0 : v == 255 ? INTENSITY_BINS - 1 : 1 + v / 32;
  }

  /** The figures of {@code pixels}, {@value DigitImage#PIXELS} bytes read as unsigned. */
  public static InputStats of(byte[] pixels) {
    if (pixels.length != DigitImage.PIXELS) {
      throw new IllegalArgumentException(
          "expected " + DigitImage.PIXELS + " pixels, got " + pixels.length);
    }
    int side = DigitImage.SIDE;
    int[] bins = new int[INTENSITY_BINS];
    long mass = 0;
    long sumX = 0;
    long sumY = 0;
    long sumSq = 0;
    int left = side;
    int right = -1;
    int top = side;
    int bottom = -1;
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        int v = pixels[y * side + x] & 0xFF;
        bins[intensityBin(v)]++;
        if (v == 0) {
          continue;
        }
        mass += v;
        sumX += (long) v * x;
        sumY += (long) v * y;
        sumSq += (long) v * (x * x + y * y);
        if (v >= INK_LEVEL) {
          left = Math.min(left, x);
          right = Math.max(right, x);
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
        }
      }
    }
    if (mass == 0) {
      return new InputStats(0, 0, 0, 0, 0, bins);
    }
    double cx = (double) sumX / mass;
    double cy = (double) sumY / mass;
    // E[x²+y²] − |E[(x,y)]|², from integer sums: no second pass.
    double spread = Math.sqrt(Math.max(0, (double) sumSq / mass - cx * cx - cy * cy));
    double half = side / 2.0;
    double offset = Math.hypot(cx - half, cy - half);
    int width = right < 0 ? 0 : right - left + 1;
    int height = bottom < 0 ? 0 : bottom - top + 1;
    return new InputStats(mass / 255.0, width, height, spread, offset, bins);
  }
}
