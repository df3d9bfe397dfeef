package io.digitstream.image;

import io.digitstream.record.DigitImage;
import java.util.Random;

/**
 * Synthetic images that are no digit, drawn from a random source: filled and hollow boxes, discs,
 * rings, random-walk scribbles and patches of noise, one to three per image, softened a little as
 * MNIST strokes are. Something real inputs may hold (a stamp, a smudge, a crossed-out box) and a
 * digit classifier will still put a digit on.
 */
final class NonDigits {
  private static final int SIDE = DigitImage.SIDE;

  private enum Shape {
    FILLED_BOX,
    HOLLOW_BOX,
    DISC,
    RING,
    SCRIBBLE,
    NOISE_PATCH
  }

  private NonDigits() {}

  static double[] draw(Random random) {
    double[] canvas = new double[SIDE * SIDE];
    int shapes = 1 + random.nextInt(3);
    for (int s = 0; s < shapes; s++) {
      Shape shape = Shape.values()[random.nextInt(Shape.values().length)];
      int ink = 160 + random.nextInt(96);
      switch (shape) {
        case FILLED_BOX -> box(canvas, random, ink, false);
        case HOLLOW_BOX -> box(canvas, random, ink, true);
        case DISC -> disc(canvas, random, ink, false);
        case RING -> disc(canvas, random, ink, true);
        case SCRIBBLE -> scribble(canvas, random, ink);
        case NOISE_PATCH -> noisePatch(canvas, random);
      }
    }
    return ShiftKind.blur(canvas, 0.6);
  }

  private static void box(double[] canvas, Random random, int ink, boolean hollow) {
    int width = 6 + random.nextInt(17);
    int height = 6 + random.nextInt(17);
    int left = random.nextInt(SIDE - width + 1);
    int top = random.nextInt(SIDE - height + 1);
    int stroke = 1 + random.nextInt(3);
    for (int y = top; y < top + height; y++) {
      for (int x = left; x < left + width; x++) {
        boolean edge =
            x < left + stroke
                || x >= left + width - stroke
                || y < top + stroke
                || y >= top + height - stroke;
        if (!hollow || edge) {
          paint(canvas, x, y, ink);
        }
      }
    }
  }

  private static void disc(double[] canvas, Random random, int ink, boolean ring) {
    double radius = 3 + random.nextDouble() * 8;
    double cx = radius + random.nextDouble() * (SIDE - 1 - 2 * radius);
    double cy = radius + random.nextDouble() * (SIDE - 1 - 2 * radius);
    double stroke = 1 + random.nextDouble() * 2;
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        double d = Math.hypot(x - cx, y - cy);
        if (d <= radius && (!ring || d >= radius - stroke)) {
          paint(canvas, x, y, ink);
        }
      }
    }
  }

  /** A random walk with momentum, drawn with a round pen of one to two pixels' radius. */
  private static void scribble(double[] canvas, Random random, int ink) {
    double x = 4 + random.nextDouble() * (SIDE - 8);
    double y = 4 + random.nextDouble() * (SIDE - 8);
    double heading = random.nextDouble() * 2 * Math.PI;
    double pen = 1 + random.nextDouble();
    int steps = 30 + random.nextInt(50);
    for (int i = 0; i < steps; i++) {
      heading += random.nextGaussian() * 0.6;
      x = Math.max(1, Math.min(SIDE - 2, x + Math.cos(heading)));
      y = Math.max(1, Math.min(SIDE - 2, y + Math.sin(heading)));
      for (int py = (int) (y - pen); py <= (int) (y + pen) + 1; py++) {
        for (int px = (int) (x - pen); px <= (int) (x + pen) + 1; px++) {
          if (Math.hypot(px - x, py - y) <= pen) {
            paint(canvas, px, py, ink);
          }
        }
      }
    }
  }

  private static void noisePatch(double[] canvas, Random random) {
    int width = 6 + random.nextInt(17);
    int height = 6 + random.nextInt(17);
    int left = random.nextInt(SIDE - width + 1);
    int top = random.nextInt(SIDE - height + 1);
    for (int y = top; y < top + height; y++) {
      for (int x = left; x < left + width; x++) {
        paint(canvas, x, y, random.nextInt(256));
      }
    }
  }

  private static void paint(double[] canvas, int x, int y, int ink) {
    if (x >= 0 && y >= 0 && x < SIDE && y < SIDE) {
      canvas[y * SIDE + x] = Math.max(canvas[y * SIDE + x], ink);
    }
  }
}
