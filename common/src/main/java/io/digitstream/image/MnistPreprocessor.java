package io.digitstream.image;

import io.digitstream.record.DigitImage;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Turns an arbitrary picture of one digit into a 28×28 image the way MNIST was made: light ink on a
 * dark background, cropped to the ink, scaled to fit 20×20 keeping the aspect ratio (anti-aliased),
 * then placed in 28×28 so that its centre of mass sits at the centre.
 *
 * <p>Any decoded image of any size works; the only refusal is a picture with no digit ({@link
 * NoDigitException}). Every other exception from here is a bug.
 */
public final class MnistPreprocessor {
  static final int BOX = 20;
  private static final int SIDE = DigitImage.SIDE;

  /** Ink is what stands more than this far above the background after contrast stretching. */
  private static final float INK_THRESHOLD = 40f;

  private MnistPreprocessor() {}

  /**
   * Reads and preprocesses an image file.
   *
   * @throws ImageFileException naming the file if it cannot be decoded or holds no digit
   */
  public static byte[] fromFile(Path file) {
    return process(ImageFiles.read(file), file);
  }

  /**
   * Preprocesses an image decoded from {@code file}.
   *
   * @throws ImageFileException naming the file if the image holds no digit
   */
  public static byte[] process(BufferedImage image, Path file) {
    try {
      return process(image);
    } catch (NoDigitException e) {
      throw new ImageFileException(file, e.getMessage(), e);
    }
  }

  /**
   * The 784 MNIST-style pixels (0 = background, 255 = ink) for {@code image}.
   *
   * @throws NoDigitException if the image is blank or has no contrast
   */
  public static byte[] process(BufferedImage image) {
    return place(image).pixels();
  }

  /**
   * The ink scaled so its long side is exactly {@value #BOX} pixels, and where it goes in the 28×28
   * field: at {@code (left, top)}, which puts its centre of mass at the centre unless that would
   * push the box over the field's edge ({@code clamped}).
   */
  record Placement(float[] scaled, int width, int height, int left, int top, boolean clamped) {
    byte[] pixels() {
      byte[] out = new byte[SIDE * SIDE];
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          out[(y + top) * SIDE + x + left] = (byte) Math.round(scaled[y * width + x]);
        }
      }
      return out;
    }
  }

  static Placement place(BufferedImage image) {
    return place(luminance(image), image.getWidth(), image.getHeight());
  }

  /** {@link #place(BufferedImage)} on grey levels 0–255, row-major; overwrites {@code gray}. */
  static Placement place(float[] gray, int w, int h) {
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
      throw new NoDigitException("no digit found: the image is blank or has no contrast");
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
    // The strongest pixel is 255 after stretching, so there is always ink to crop to.
    Crop crop = new Crop(gray, w, left, top, right - left + 1, bottom - top + 1);
    int longSide = Math.max(crop.width, crop.height);
    int sw = crop.width == longSide ? BOX : shortSide(crop.width, longSide);
    int sh = crop.height == longSide ? BOX : shortSide(crop.height, longSide);
    return centreByMass(resample(crop, sw, sh), sw, sh);
  }

  /** The short side scaled like the long one, at least one pixel. */
  private static int shortSide(int side, int longSide) {
    double fit = (double) BOX / longSide;
    return clamp((int) Math.round(side * fit), 1, BOX);
  }

  private static Placement centreByMass(float[] img, int w, int h) {
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
    int wantX = (int) Math.round((SIDE - 1) / 2.0 - cx);
    int wantY = (int) Math.round((SIDE - 1) / 2.0 - cy);
    int ox = clamp(wantX, 0, SIDE - w);
    int oy = clamp(wantY, 0, SIDE - h);
    return new Placement(img, w, h, ox, oy, ox != wantX || oy != wantY);
  }

  /**
   * The ink's bounding box inside the grey image, read in place: a crop of a large photo would be
   * another copy of it. Reading outside the box is a bug and fails loudly, rather than quietly
   * taking a pixel of the neighbouring row.
   */
  private record Crop(float[] gray, int stride, int left, int top, int width, int height) {
    float at(int x, int y) {
      return gray[
          (top + Objects.checkIndex(y, height)) * stride + left + Objects.checkIndex(x, width)];
    }
  }

  /** Area-averaging when shrinking (anti-aliased like MNIST), bilinear when enlarging. */
  private static float[] resample(Crop src, int tw, int th) {
    float[] out = new float[tw * th];
    double fx = (double) src.width / tw;
    double fy = (double) src.height / th;
    for (int ty = 0; ty < th; ty++) {
      for (int tx = 0; tx < tw; tx++) {
        out[ty * tw + tx] =
            (fx >= 1 && fy >= 1)
                ? areaAverage(src, tx * fx, ty * fy, (tx + 1) * fx, (ty + 1) * fy)
                : bilinear(src, (tx + 0.5) * fx - 0.5, (ty + 0.5) * fy - 0.5);
      }
    }
    return out;
  }

  /**
   * The mean of the box {@code [x0, x1) × [y0, y1)}, each source pixel weighted by its overlap. The
   * box's far edge is a product of doubles and can land a hair past the crop: a crop 21 wide scaled
   * to 19 has its last box end at {@code 19 * (21.0 / 19)} = 21.000000000000004, whose ceiling is a
   * 22nd column. {@link #pixelsUnder} keeps the range inside the crop.
   */
  private static float areaAverage(Crop src, double x0, double y0, double x1, double y1) {
    double sum = 0, area = 0;
    int yEnd = pixelsUnder(y1, src.height);
    int xEnd = pixelsUnder(x1, src.width);
    for (int y = firstPixelUnder(y0, src.height); y < yEnd; y++) {
      double wy = Math.min(y + 1, y1) - Math.max(y, y0);
      for (int x = firstPixelUnder(x0, src.width); x < xEnd; x++) {
        double wx = Math.min(x + 1, x1) - Math.max(x, x0);
        sum += src.at(x, y) * wx * wy;
        area += wx * wy;
      }
    }
    return (float) (sum / area);
  }

  private static float bilinear(Crop src, double x, double y) {
    x = Math.max(0, Math.min(src.width - 1, x));
    y = Math.max(0, Math.min(src.height - 1, y));
    int x0 = firstPixelUnder(x, src.width), y0 = firstPixelUnder(y, src.height);
    int x1 = Math.min(x0 + 1, src.width - 1), y1 = Math.min(y0 + 1, src.height - 1);
    double ax = x - x0, ay = y - y0;
    double top = src.at(x0, y0) * (1 - ax) + src.at(x1, y0) * ax;
    double bottom = src.at(x0, y1) * (1 - ax) + src.at(x1, y1) * ax;
    return (float) (top * (1 - ay) + bottom * ay);
  }

  /**
   * The pixel under coordinate {@code c} along a side of {@code n} pixels, clamped to {@code
   * 0..n-1}. With {@link #pixelsUnder} this is the one place a float coordinate becomes a pixel
   * index.
   */
  private static int firstPixelUnder(double c, int n) {
    return clamp((int) Math.floor(c), 0, n - 1);
  }

  /** One past the last pixel a span ending at {@code c} touches, clamped to {@code 1..n}. */
  private static int pixelsUnder(double c, int n) {
    return clamp((int) Math.ceil(c), 1, n);
  }

  /** Grey levels 0–255; transparent pixels count as white paper. */
  private static float[] luminance(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    float[] gray = new float[w * h];
    boolean alpha = image.getColorModel().hasAlpha();
    // A row at a time: the whole picture as ARGB ints would be another copy of a large photo.
    int[] argb = new int[w];
    for (int y = 0; y < h; y++) {
      image.getRGB(0, y, w, 1, argb, 0, w);
      for (int x = 0; x < w; x++) {
        int p = argb[x];
        float lum = 0.299f * ((p >> 16) & 0xFF) + 0.587f * ((p >> 8) & 0xFF) + 0.114f * (p & 0xFF);
        if (alpha) {
          float a = ((p >>> 24) & 0xFF) / 255f;
          lum = a * lum + (1 - a) * 255f;
        }
        gray[y * w + x] = lum;
      }
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
