package io.digitstream.trainer;

import java.util.Random;

/**
 * Small random affine distortions of a 28×28 digit (rotation, scale, shift), the kind of variation
 * handwriting has. Bilinear sampling; the caller's random source keeps runs reproducible.
 */
final class Augmenter {
  private final double maxDegrees;
  private final double maxScale;
  private final double maxShift;

  Augmenter(double maxDegrees, double maxScale, double maxShift) {
    this.maxDegrees = maxDegrees;
    this.maxScale = maxScale;
    this.maxShift = maxShift;
  }

  static Augmenter standard() {
    return new Augmenter(10, 0.1, 2);
  }

  /** Writes a distorted copy of {@code src} (28×28, 0–1) into {@code dst} at {@code offset}. */
  void distort(float[] src, int srcOffset, float[] dst, int offset, Random random) {
    double angle = Math.toRadians((random.nextDouble() * 2 - 1) * maxDegrees);
    double scale = 1 + (random.nextDouble() * 2 - 1) * maxScale;
    double dx = (random.nextDouble() * 2 - 1) * maxShift;
    double dy = (random.nextDouble() * 2 - 1) * maxShift;
    double cos = Math.cos(angle) / scale;
    double sin = Math.sin(angle) / scale;
    double c = 13.5;
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        // Inverse mapping: where in the source does this output pixel come from?
        double ux = x - c - dx;
        double uy = y - c - dy;
        double sx = cos * ux + sin * uy + c;
        double sy = -sin * ux + cos * uy + c;
        dst[offset + y * 28 + x] = sample(src, srcOffset, sx, sy);
      }
    }
  }

  private static float sample(float[] src, int off, double x, double y) {
    int x0 = (int) Math.floor(x);
    int y0 = (int) Math.floor(y);
    double ax = x - x0;
    double ay = y - y0;
    return (float)
        ((1 - ay) * ((1 - ax) * at(src, off, x0, y0) + ax * at(src, off, x0 + 1, y0))
            + ay * ((1 - ax) * at(src, off, x0, y0 + 1) + ax * at(src, off, x0 + 1, y0 + 1)));
  }

  private static float at(float[] src, int off, int x, int y) {
    return x < 0 || y < 0 || x >= 28 || y >= 28 ? 0f : src[off + y * 28 + x];
  }
}
