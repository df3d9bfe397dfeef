package io.digitstream.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Temperature scaling (Guo et al., 2017) and the figures that say how well probabilities are
 * calibrated: negative log-likelihood, expected calibration error and the reliability diagram's
 * bins. Pure functions of the network's probabilities and the true labels.
 */
public final class Calibration {
  /** Bins of the expected calibration error and the reliability diagram: the usual 15. */
  public static final int ECE_BINS = 15;

  /** The temperature search covers {@code [1/20, 20]}, far wider than any network of ours needs. */
  static final double MIN_TEMPERATURE = 0.05;

  static final double MAX_TEMPERATURE = 20;

  // log p of a probability the network rounded to zero: about log(Float.MIN_VALUE).
  private static final double LOG_FLOOR = -104;

  private Calibration() {}

  /**
   * The temperature that minimises the mean negative log-likelihood of {@code labels} under {@code
   * softmax(log p / T)}: a golden-section search on {@code log T} (the likelihood is convex in
   * {@code 1/T}, so it has one minimum), rounded to 4 decimals. Deterministic: the same
   * probabilities always give the same temperature.
   */
  public static double fitTemperature(float[][] probabilities, int[] labels) {
    requireSameLength(probabilities, labels);
    if (probabilities.length == 0) {
      throw new IllegalArgumentException("no images to fit a temperature on");
    }
    double[][] logs = logs(probabilities);
    double ratio = (Math.sqrt(5) - 1) / 2;
    double a = Math.log(MIN_TEMPERATURE);
    double b = Math.log(MAX_TEMPERATURE);
    double c = b - ratio * (b - a);
    double d = a + ratio * (b - a);
    double fc = nll(logs, labels, Math.exp(c));
    double fd = nll(logs, labels, Math.exp(d));
    while (b - a > 1e-7) {
      if (fc <= fd) {
        b = d;
        d = c;
        fd = fc;
        c = b - ratio * (b - a);
        fc = nll(logs, labels, Math.exp(c));
      } else {
        a = c;
        c = d;
        fc = fd;
        d = a + ratio * (b - a);
        fd = nll(logs, labels, Math.exp(d));
      }
    }
    return Math.round(Math.exp((a + b) / 2) * 1e4) / 1e4;
  }

  /** Mean negative log-likelihood of {@code labels} after scaling by {@code temperature}. */
  public static double nll(float[][] probabilities, int[] labels, double temperature) {
    requireSameLength(probabilities, labels);
    return nll(logs(probabilities), labels, temperature);
  }

  // In double from log p, not from calibrated floats: -log of a float near 1 is mostly rounding.
  private static double nll(double[][] logs, int[] labels, double temperature) {
    double sum = 0;
    for (int i = 0; i < logs.length; i++) {
      double[] l = logs[i];
      double max = Double.NEGATIVE_INFINITY;
      for (double v : l) {
        max = Math.max(max, v);
      }
      double z = 0;
      for (double v : l) {
        z += Math.exp((v - max) / temperature);
      }
      sum += (max - l[labels[i]]) / temperature + Math.log(z);
    }
    return sum / logs.length;
  }

  private static double[][] logs(float[][] probabilities) {
    double[][] logs = new double[probabilities.length][];
    for (int i = 0; i < logs.length; i++) {
      float[] p = probabilities[i];
      logs[i] = new double[p.length];
      for (int k = 0; k < p.length; k++) {
        logs[i][k] = p[k] > 0 ? Math.max(LOG_FLOOR, Math.log(p[k])) : LOG_FLOOR;
      }
    }
    return logs;
  }

  /**
   * Every row of {@code probabilities} scaled by {@code temperature} ({@link
   * MonitoringReference#calibrate(float[], double)}).
   */
  public static float[][] scaled(float[][] probabilities, double temperature) {
    float[][] out = new float[probabilities.length][];
    for (int i = 0; i < out.length; i++) {
      out[i] = MonitoringReference.calibrate(probabilities[i], temperature);
    }
    return out;
  }

  /**
   * One bin of the reliability diagram: the images whose top probability lies in {@code (lower,
   * upper]}.
   *
   * @param count images in the bin
   * @param confidence their mean top probability (0 if the bin is empty)
   * @param accuracy the fraction of them whose top digit is right (0 if the bin is empty)
   */
  public record Bin(double lower, double upper, int count, double confidence, double accuracy) {
    /** How far the bin's accuracy lies from its confidence. */
    public double gap() {
      return Math.abs(accuracy - confidence);
    }
  }

  /**
   * The {@value #ECE_BINS} equal-width bins of the reliability diagram, {@code ((m-1)/15, m/15]}
   * for m = 1..15 (a top probability of exactly 0 cannot occur with ten classes).
   */
  public static List<Bin> reliability(float[][] probabilities, int[] labels) {
    requireSameLength(probabilities, labels);
    int[] count = new int[ECE_BINS];
    double[] confidence = new double[ECE_BINS];
    int[] correct = new int[ECE_BINS];
    for (int i = 0; i < probabilities.length; i++) {
      float[] p = probabilities[i];
      int top = 0;
      for (int k = 1; k < p.length; k++) {
        if (p[k] > p[top]) {
          top = k;
        }
      }
      int bin = Math.max(0, Math.min(ECE_BINS - 1, (int) Math.ceil(p[top] * ECE_BINS) - 1));
      count[bin]++;
      confidence[bin] += p[top];
      correct[bin] += top == labels[i] ? 1 : 0;
    }
    List<Bin> bins = new ArrayList<>(ECE_BINS);
    for (int b = 0; b < ECE_BINS; b++) {
      int n = count[b];
      bins.add(
          new Bin(
              (double) b / ECE_BINS,
              (double) (b + 1) / ECE_BINS,
              n,
              n == 0 ? 0 : confidence[b] / n,
              n == 0 ? 0 : (double) correct[b] / n));
    }
    return bins;
  }

  /**
   * Expected calibration error: the bins' {@link Bin#gap()} weighted by their share of the images,
   * over {@value #ECE_BINS} equal-width bins of the top probability.
   */
  public static double ece(float[][] probabilities, int[] labels) {
    if (probabilities.length == 0) {
      return 0;
    }
    double sum = 0;
    for (Bin bin : reliability(probabilities, labels)) {
      sum += bin.count() * bin.gap();
    }
    return sum / probabilities.length;
  }

  private static void requireSameLength(float[][] probabilities, int[] labels) {
    if (probabilities.length != labels.length) {
      throw new IllegalArgumentException(
          probabilities.length + " rows of probabilities for " + labels.length + " labels");
    }
  }
}
