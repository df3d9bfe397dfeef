package io.digitstream.image;

import io.digitstream.record.DigitImage;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Turns an arbitrary picture of one digit into a 28×28 image the way MNIST was made: light ink on a
 * dark background, cropped to the ink, scaled to fit 20×20 keeping the aspect ratio (anti-aliased),
 * then placed in 28×28 so that its centre of mass sits at the centre.
 */
public final class MnistPreprocessor {
  static final int BOX = 20;
  private static final int SIDE = DigitImage.SIDE;

  /** Ink is what stands more than this far above the background after contrast stretching. */
  private static final float INK_THRESHOLD = 40f;

  private MnistPreprocessor() {}

  /** Reads and preprocesses an image file; errors name the file. */
  public static byte[] fromFile(Path file) {
    BufferedImage image = ImageFiles.read(file);
    try {
      return process(image);
    } catch (IllegalArgumentException e) {
      throw new ImageFileException(file, e.getMessage(), e);
    }
  }

  /** The 784 MNIST-style pixels (0 = background, 255 = ink) for {@code image}. */
  public static byte[] process(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    float[] gray = luminance(image);
    if (median(border(gray, w, h)) > 127) {
      for (int i = 0; i < gray.length; i++) {
        gray[i] = 255f - gray[i];
      }
    }
    // Stretch so the background is 0 and the strongest ink 255: photos and scans are rarely pure.
    float background = median(border(gray, w, h));
    float max = 0;
    for (float v : gray) {
      max = Math.max(max, v);
    }
    if (max - background < 32) {
      throw new IllegalArgumentException("no digit found: the image is blank or has no contrast");
    }
    float scale = 255f / (max - background);
    for (int i = 0; i < gray.length; i++) {
      gray[i] = Math.max(0, Math.min(255, (gray[i] - background) * scale));
    }
    int top = h, bottom = -1, left = w, right = -1;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (gray[y * w + x] > INK_THRESHOLD) {
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
          left = Math.min(left, x);
          right = Math.max(right, x);
        }
      }
    }
    int cw = right - left + 1;
    int ch = bottom - top + 1;
    float[] crop = new float[cw * ch];
    for (int y = 0; y < ch; y++) {
      System.arraycopy(gray, (top + y) * w + left, crop, y * cw, cw);
    }
    double fit = (double) BOX / Math.max(cw, ch);
    int sw = Math.max(1, (int) Math.round(cw * fit));
    int sh = Math.max(1, (int) Math.round(ch * fit));
    float[] scaled = resample(crop, cw, ch, sw, sh);
    return centreByMass(scaled, sw, sh);
  }

  private static byte[] centreByMass(float[] img, int w, int h) {
    double mass = 0, mx = 0, my = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        float v = img[y * w + x];
        mass += v;
        mx += v * x;
        my += v * y;
      }
    }
    double cx = mass > 0 ? mx / mass : (w - 1) / 2.0;
    double cy = mass > 0 ? my / mass : (h - 1) / 2.0;
    // Pixel centres are at integer coordinates, so the field's centre is 13.5.
    int ox = clamp((int) Math.round((SIDE - 1) / 2.0 - cx), 0, SIDE - w);
    int oy = clamp((int) Math.round((SIDE - 1) / 2.0 - cy), 0, SIDE - h);
    byte[] out = new byte[SIDE * SIDE];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        out[(y + oy) * SIDE + x + ox] = (byte) Math.round(img[y * w + x]);
      }
    }
    return out;
  }

  /** Area-averaging when shrinking (anti-aliased like MNIST), bilinear when enlarging. */
  static float[] resample(float[] src, int sw, int sh, int tw, int th) {
    float[] out = new float[tw * th];
    double fx = (double) sw / tw;
    double fy = (double) sh / th;
    for (int ty = 0; ty < th; ty++) {
      for (int tx = 0; tx < tw; tx++) {
        out[ty * tw + tx] =
            (fx >= 1 && fy >= 1)
                ? areaAverage(src, sw, tx * fx, ty * fy, (tx + 1) * fx, (ty + 1) * fy)
                : bilinear(src, sw, sh, (tx + 0.5) * fx - 0.5, (ty + 0.5) * fy - 0.5);
      }
    }
    return out;
  }

  private static float areaAverage(
      float[] src, int sw, double x0, double y0, double x1, double y1) {
    double sum = 0, area = 0;
    for (int y = (int) Math.floor(y0); y < Math.ceil(y1); y++) {
      double wy = Math.min(y + 1, y1) - Math.max(y, y0);
      for (int x = (int) Math.floor(x0); x < Math.ceil(x1); x++) {
        double wx = Math.min(x + 1, x1) - Math.max(x, x0);
        sum += src[y * sw + x] * wx * wy;
        area += wx * wy;
      }
    }
    return (float) (sum / area);
  }

  private static float bilinear(float[] src, int sw, int sh, double x, double y) {
    x = Math.max(0, Math.min(sw - 1, x));
    y = Math.max(0, Math.min(sh - 1, y));
    int x0 = (int) x, y0 = (int) y;
    int x1 = Math.min(x0 + 1, sw - 1), y1 = Math.min(y0 + 1, sh - 1);
    double ax = x - x0, ay = y - y0;
    double top = src[y0 * sw + x0] * (1 - ax) + src[y0 * sw + x1] * ax;
    double bottom = src[y1 * sw + x0] * (1 - ax) + src[y1 * sw + x1] * ax;
    return (float) (top * (1 - ay) + bottom * ay);
  }

  /** Grey levels 0–255; transparent pixels count as white paper. */
  private static float[] luminance(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
    float[] gray = new float[w * h];
    boolean alpha = image.getColorModel().hasAlpha();
    for (int i = 0; i < argb.length; i++) {
      int p = argb[i];
      float lum = 0.299f * ((p >> 16) & 0xFF) + 0.587f * ((p >> 8) & 0xFF) + 0.114f * (p & 0xFF);
      if (alpha) {
        float a = ((p >>> 24) & 0xFF) / 255f;
        lum = a * lum + (1 - a) * 255f;
      }
      gray[i] = lum;
    }
    return gray;
  }

  private static float[] border(float[] gray, int w, int h) {
    if (w < 3 || h < 3) {
      return gray.clone();
    }
    float[] b = new float[2 * w + 2 * (h - 2)];
    int k = 0;
    for (int x = 0; x < w; x++) {
      b[k++] = gray[x];
      b[k++] = gray[(h - 1) * w + x];
    }
    for (int y = 1; y < h - 1; y++) {
      b[k++] = gray[y * w];
      b[k++] = gray[y * w + w - 1];
    }
    return b;
  }

  private static float median(float[] values) {
    float[] copy = values.clone();
    Arrays.sort(copy);
    return copy[copy.length / 2];
  }

  private static int clamp(int v, int lo, int hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
