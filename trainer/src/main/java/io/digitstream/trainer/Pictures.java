package io.digitstream.trainer;

import io.digitstream.accuracy.ConfusionMatrix;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** Draws the trainer's PNGs with plain Java2D: heatmaps, bar charts and grids of small images. */
final class Pictures {
  private static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 15);

  private Pictures() {}

  static void write(BufferedImage image, Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    if (!ImageIO.write(image, "png", file.toFile())) {
      throw new IOException("no PNG writer available for " + file);
    }
  }

  /** The confusion matrix as a heatmap: truth down, prediction across, counts in the cells. */
  static BufferedImage heatmap(ConfusionMatrix matrix, String title) {
    int cell = 48;
    int left = 70;
    int top = 70;
    int size = left + cell * 10 + 30;
    BufferedImage img = canvas(size, top + cell * 10 + 50);
    Graphics2D g = graphics(img);
    g.setFont(TITLE);
    g.drawString(title, 10, 22);
    g.setFont(FONT);
    g.drawString(
        String.format("accuracy %.4f on %,d images", matrix.accuracy(), matrix.count()), 10, 42);
    long[][] m = matrix.matrix();
    for (int t = 0; t < 10; t++) {
      long rowSum = java.util.Arrays.stream(m[t]).sum();
      for (int p = 0; p < 10; p++) {
        double share = rowSum == 0 ? 0 : (double) m[t][p] / rowSum;
        // Diagonal in blue, mistakes in red, so errors stand out even when small.
        double level = t == p ? share : Math.min(1, Math.sqrt(share) * 3);
        g.setColor(
            t == p
                ? blend(Color.WHITE, new Color(33, 102, 172), level)
                : blend(Color.WHITE, new Color(202, 0, 32), level));
        g.fillRect(left + p * cell, top + t * cell, cell, cell);
        g.setColor(level > 0.6 ? Color.WHITE : Color.BLACK);
        centred(g, Long.toString(m[t][p]), left + p * cell, top + t * cell, cell, cell);
      }
      g.setColor(Color.BLACK);
      centred(g, Integer.toString(t), left - cell / 2 - 6, top + t * cell, cell / 2, cell);
      centred(g, Integer.toString(t), left + t * cell, top - 24, cell, 20);
    }
    g.setColor(Color.GRAY);
    g.drawRect(left, top, cell * 10, cell * 10);
    g.setColor(Color.BLACK);
    g.drawString("predicted →", left + cell * 4, top - 30);
    g.rotate(-Math.PI / 2);
    g.drawString("true →", -(top + cell * 6), 20);
    g.dispose();
    return img;
  }

  /** Vertical bars with their values on top. */
  static BufferedImage barChart(String title, String[] labels, long[] values) {
    int bar = 44;
    int height = 260;
    int left = 50;
    BufferedImage img = canvas(left + bar * labels.length + 30, height + 90);
    Graphics2D g = graphics(img);
    g.setFont(TITLE);
    g.drawString(title, 10, 22);
    g.setFont(FONT);
    long max = java.util.Arrays.stream(values).max().orElse(1);
    for (int i = 0; i < labels.length; i++) {
      int h = (int) Math.round((double) values[i] / Math.max(1, max) * (height - 40));
      int x = left + i * bar;
      int y = 40 + height - h;
      g.setColor(new Color(33, 102, 172));
      g.fillRect(x + 4, y, bar - 8, h);
      g.setColor(Color.BLACK);
      centred(g, Long.toString(values[i]), x, y - 18, bar, 16);
      centred(g, labels[i], x, 40 + height + 4, bar, 16);
    }
    g.drawLine(left, 40 + height, left + bar * labels.length, 40 + height);
    g.dispose();
    return img;
  }

  /**
   * A grid of grey maps, each scaled to [min, max] of its own values and drawn {@code zoom} times
   * larger, with an optional caption under each.
   */
  static BufferedImage grid(
      String title, List<float[][]> maps, List<String> captions, int columns, int zoom) {
    int h = maps.get(0).length;
    int w = maps.get(0)[0].length;
    int cellW = w * zoom + 8;
    int cellH = h * zoom + (captions == null ? 8 : 24);
    int rows = (maps.size() + columns - 1) / columns;
    BufferedImage img = canvas(Math.max(columns * cellW + 10, 260), rows * cellH + 40);
    Graphics2D g = graphics(img);
    g.setFont(TITLE);
    g.drawString(title, 8, 20);
    g.setFont(FONT);
    for (int i = 0; i < maps.size(); i++) {
      int x0 = 5 + (i % columns) * cellW;
      int y0 = 32 + (i / columns) * cellH;
      float[][] map = maps.get(i);
      float min = Float.MAX_VALUE;
      float max = -Float.MAX_VALUE;
      for (float[] row : map) {
        for (float v : row) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
      float range = max - min < 1e-9f ? 1 : max - min;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int level = Math.round((map[y][x] - min) / range * 255);
          g.setColor(new Color(level, level, level));
          g.fillRect(x0 + x * zoom, y0 + y * zoom, zoom, zoom);
        }
      }
      if (captions != null) {
        g.setColor(Color.BLACK);
        centred(g, captions.get(i), x0, y0 + h * zoom, w * zoom, 18);
      }
    }
    g.dispose();
    return img;
  }

  /** A 28×28 image of 0–255 values as a float map. */
  static float[][] map(byte[] pixels, int side) {
    float[][] m = new float[side][side];
    for (int i = 0; i < pixels.length; i++) {
      m[i / side][i % side] = pixels[i] & 0xFF;
    }
    return m;
  }

  private static BufferedImage canvas(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.dispose();
    return img;
  }

  private static Graphics2D graphics(BufferedImage img) {
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.BLACK);
    g.setStroke(new BasicStroke(1));
    return g;
  }

  private static void centred(Graphics2D g, String s, int x, int y, int w, int h) {
    FontMetrics fm = g.getFontMetrics();
    g.drawString(
        s, x + (w - fm.stringWidth(s)) / 2, y + (h + fm.getAscent() - fm.getDescent()) / 2);
  }

  private static Color blend(Color a, Color b, double t) {
    t = Math.max(0, Math.min(1, t));
    return new Color(
        (int) Math.round(a.getRed() + (b.getRed() - a.getRed()) * t),
        (int) Math.round(a.getGreen() + (b.getGreen() - a.getGreen()) * t),
        (int) Math.round(a.getBlue() + (b.getBlue() - a.getBlue()) * t));
  }
}
