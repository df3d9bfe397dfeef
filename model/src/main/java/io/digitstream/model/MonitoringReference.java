package io.digitstream.model;

import io.digitstream.image.InputStats;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a network was trained and calibrated on, for monitoring it in production: the temperature
 * that calibrates its probabilities, and the training set's distributions that drift is measured
 * against. Stored as {@code monitoring.json} in the bundle (not part of the version, covered by a
 * signature), written by {@code train} and {@code calibrate}.
 *
 * @param formatVersion layout of this file, currently 1
 * @param temperature the network's probabilities are calibrated as {@code softmax(log p / T)}; 1
 *     leaves them as they are
 * @param validationImages images of the validation split the temperature was fitted on
 * @param validationAccuracy accuracy on that split
 * @param validationEceBefore expected calibration error on that split before calibration
 * @param validationEceAfter the same after calibration
 * @param labelPrior the training labels' digit mix, ten fractions
 * @param inputs per input feature ({@link #INPUT_FEATURES}), its histogram over the training images
 * @param intensity fraction of the training images' pixels in each {@link InputStats} grey-level
 *     bin
 * @param confidence histogram of the calibrated top probability on the validation split
 * @param ood how the out-of-distribution score is computed and its threshold
 */
public record MonitoringReference(
    int formatVersion,
    double temperature,
    int validationImages,
    double validationAccuracy,
    double validationEceBefore,
    double validationEceAfter,
    double[] labelPrior,
    Map<String, Histogram> inputs,
    double[] intensity,
    Histogram confidence,
    Ood ood) {
  public static final int FORMAT_VERSION = 1;

  /** The {@link InputStats} figures whose histograms a reference keeps, by name. */
  public static final List<String> INPUT_FEATURES =
      List.of("inkMass", "inkWidth", "inkHeight", "centreSpread", "centreOffset");

  public MonitoringReference {
    if (!(temperature > 0) || !Double.isFinite(temperature)) {
      throw new ModelBundleException("monitoring temperature must be positive, got " + temperature);
    }
    Objects.requireNonNull(labelPrior, "labelPrior");
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(intensity, "intensity");
    Objects.requireNonNull(confidence, "confidence");
    Objects.requireNonNull(ood, "ood");
    if (labelPrior.length != 10) {
      throw new ModelBundleException("labelPrior must hold 10 fractions");
    }
    if (intensity.length != InputStats.INTENSITY_BINS) {
      throw new ModelBundleException(
          "intensity must hold " + InputStats.INTENSITY_BINS + " fractions");
    }
    for (String feature : INPUT_FEATURES) {
      if (!inputs.containsKey(feature)) {
        throw new ModelBundleException("monitoring reference lacks input feature " + feature);
      }
    }
    labelPrior = labelPrior.clone();
    intensity = intensity.clone();
    inputs = Map.copyOf(inputs);
  }

  /** The value of input feature {@code name} ({@link #INPUT_FEATURES}) of {@code stats}. */
  public static double feature(InputStats stats, String name) {
    return switch (name) {
      case "inkMass" -> stats.inkMass();
      case "inkWidth" -> stats.inkWidth();
      case "inkHeight" -> stats.inkHeight();
      case "centreSpread" -> stats.centreSpread();
      case "centreOffset" -> stats.centreOffset();
      default -> throw new IllegalArgumentException("no input feature " + name);
    };
  }

  /**
   * The calibrated probabilities: {@code softmax(log p / T)}, computed in double from the network's
   * output. Zero stays zero.
   */
  public float[] calibrate(float[] probabilities) {
    if (temperature == 1.0) {
      return probabilities.clone();
    }
    double inverse = 1.0 / temperature;
    double[] scaled = new double[probabilities.length];
    double max = 0;
    for (int i = 0; i < scaled.length; i++) {
      max = Math.max(max, probabilities[i]);
    }
    double sum = 0;
    for (int i = 0; i < scaled.length; i++) {
      // (p / max)^(1/T): the largest term is 1, so nothing overflows or vanishes needlessly.
      double p = probabilities[i];
      scaled[i] = p <= 0 ? 0 : Math.exp(inverse * Math.log(p / max));
      sum += scaled[i];
    }
    float[] out = new float[scaled.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (scaled[i] / sum);
    }
    return out;
  }

  /**
   * How unlike the training images an input is: 0 inside every feature's usual range, growing with
   * the distance outside it, in units of that range. Inputs at or past {@link Ood#threshold()}
   * count as out of distribution.
   */
  public double oodScore(InputStats stats, float[] calibrated) {
    double score = 0;
    for (Map.Entry<String, double[]> range : ood.ranges().entrySet()) {
      double x =
          switch (range.getKey()) {
            case Ood.CONFIDENCE -> maxOf(calibrated);
            case Ood.MID_GREY -> midGrey(stats);
            default -> feature(stats, range.getKey());
          };
      double low = range.getValue()[0];
      double high = range.getValue()[1];
      double width = Math.max(high - low, 1e-9);
      double excess = x < low ? (low - x) / width : x > high ? (x - high) / width : 0;
      score = Math.max(score, excess);
    }
    return score;
  }

  /** Whether {@code score} marks an input as out of distribution. */
  public boolean outOfDistribution(double score) {
    return score >= ood.threshold();
  }

  /** Fraction of the image's non-background pixels that are neither 0 nor 255. */
  public static double midGrey(InputStats stats) {
    int[] bins = stats.intensity();
    int ink = 0;
    for (int b = 1; b < bins.length; b++) {
      ink += bins[b];
    }
    return ink == 0 ? 0 : (double) (ink - bins[bins.length - 1]) / ink;
  }

  private static double maxOf(float[] values) {
    double max = 0;
    for (float v : values) {
      max = Math.max(max, v);
    }
    return max;
  }

  @Override
  public double[] labelPrior() {
    return labelPrior.clone();
  }

  @Override
  public double[] intensity() {
    return intensity.clone();
  }

  /**
   * A histogram with bins {@code (-inf, edges[0]), [edges[0], edges[1]), ..., [edges[k-1], +inf)}
   * and the reference's fraction in each.
   *
   * @param edges k increasing bin edges
   * @param expected k + 1 fractions that sum to 1
   */
  public record Histogram(double[] edges, double[] expected) {
    public Histogram {
      Objects.requireNonNull(edges, "edges");
      Objects.requireNonNull(expected, "expected");
      if (expected.length != edges.length + 1) {
        throw new ModelBundleException(
            "a histogram with " + edges.length + " edges needs " + (edges.length + 1) + " bins");
      }
      for (int i = 1; i < edges.length; i++) {
        if (!(edges[i] > edges[i - 1])) {
          throw new ModelBundleException(
              "histogram edges must increase: " + Arrays.toString(edges));
        }
      }
      edges = edges.clone();
      expected = expected.clone();
    }

    /** The bin of {@code x}. */
    public int bin(double x) {
      int i = Arrays.binarySearch(edges, x);
      return i >= 0 ? i + 1 : -i - 1;
    }

    public int bins() {
      return expected.length;
    }

    @Override
    public double[] edges() {
      return edges.clone();
    }

    @Override
    public double[] expected() {
      return expected.clone();
    }
  }

  /**
   * The out-of-distribution score's parameters.
   *
   * @param ranges per figure, {@code [low, high]}: the range the training images' values keep to;
   *     figures are {@link #INPUT_FEATURES}, {@value #MID_GREY} ({@link #midGrey}) and {@value
   *     #CONFIDENCE} (the calibrated top probability)
   * @param threshold scores at or above it are out of distribution
   * @param validationFlagged fraction of the validation split at or above the threshold
   */
  public record Ood(Map<String, double[]> ranges, double threshold, double validationFlagged) {
    public static final String MID_GREY = "midGrey";
    public static final String CONFIDENCE = "confidence";

    public Ood {
      ranges = Map.copyOf(ranges);
    }
  }
}
