package io.digitstream.model;

import io.digitstream.image.InputStats;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

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
    requireFractions("labelPrior", labelPrior);
    requireFractions("intensity", intensity);
    labelPrior = labelPrior.clone();
    intensity = intensity.clone();
    // Sorted, not Map.copyOf: its iteration order changes from one JVM to the next, and the same
    // reference must always be written as the same bytes.
    inputs = Collections.unmodifiableSortedMap(new TreeMap<>(inputs));
  }

  /** Fractions that are finite, not negative and sum to 1, or a bad file. */
  static void requireFractions(String what, double[] fractions) {
    double sum = 0;
    for (double f : fractions) {
      if (!(f >= 0 && f <= 1)) {
        throw new ModelBundleException(what + " holds " + f + ", not a fraction in 0-1");
      }
      sum += f;
    }
    if (Math.abs(sum - 1) > 1e-6) {
      throw new ModelBundleException(what + " must sum to 1, sums to " + sum);
    }
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
    return calibrate(probabilities, temperature);
  }

  /** {@code softmax(log p / temperature)} of {@code probabilities}, computed in double. */
  public static float[] calibrate(float[] probabilities, double temperature) {
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
   * How unlike the training images an input is: 0 inside every figure's usual range ({@link
   * Ood#ranges()}), else the largest distance outside one, in units of that range's width. Inputs
   * at or past {@link Ood#threshold()} count as out of distribution.
   */
  public double oodScore(InputStats stats, float[] calibrated) {
    return ood.score(stats, calibrated);
  }

  /** Whether {@code score} marks an input as out of distribution. */
  public boolean outOfDistribution(double score) {
    return score >= ood.threshold();
  }

  /** Fraction of the image's non-background pixels that are neither 0 nor 255. */
  public static double midGrey(InputStats stats) {
    int[] bins = stats.intensity();
    int ink = pixelsFrom(bins, 1);
    return ink == 0 ? 0 : (double) (ink - bins[bins.length - 1]) / ink;
  }

  /** Pixels in intensity bin {@code first} and above. */
  private static int pixelsFrom(int[] bins, int first) {
    int n = 0;
    for (int b = first; b < bins.length; b++) {
      n += bins[b];
    }
    return n;
  }

  /**
   * Fraction of the image's non-background pixels at grey level 192 or more: a pen stroke has a
   * dark core, noise and blurred texture have little or none, an inverted image is mostly core.
   * (From 192, not 224: a photographed digit's strokes come out of the preprocessor softer than
   * MNIST's.)
   */
  public static double strongInk(InputStats stats) {
    int[] bins = stats.intensity();
    int ink = pixelsFrom(bins, 1);
    return ink == 0 ? 0 : (double) pixelsFrom(bins, InputStats.intensityBin(192)) / ink;
  }

  /**
   * Fraction of the ink box covered by ink ({@link InputStats#INK_LEVEL} or more): strokes leave
   * most of their box dark, a filled shape or a patch of noise covers all of it.
   */
  public static double coverage(InputStats stats) {
    int box = stats.inkWidth() * stats.inkHeight();
    if (box == 0) {
      return 0;
    }
    // Every ink pixel lies in the box, which the ink defines.
    return (double) pixelsFrom(stats.intensity(), InputStats.intensityBin(InputStats.INK_LEVEL))
        / box;
  }

  static double maxOf(float[] values) {
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
      for (double e : edges) {
        if (!Double.isFinite(e)) {
          throw new ModelBundleException(
              "histogram edges must be finite: " + Arrays.toString(edges));
        }
      }
      requireFractions("a histogram's expected fractions", expected);
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
   * @param ranges per figure ({@link #FIGURES}), {@code [low, high]}: the range the training
   *     images' values keep to
   * @param threshold scores at or above it are out of distribution
   * @param validationFlagged fraction of the validation split at or above the threshold
   */
  public record Ood(Map<String, double[]> ranges, double threshold, double validationFlagged) {
    public static final String MID_GREY = "midGrey";
    public static final String STRONG_INK = "strongInk";
    public static final String COVERAGE = "coverage";
    public static final String CONFIDENCE = "confidence";

    /**
     * Every figure a range may be kept for: the {@link #INPUT_FEATURES}, {@value #MID_GREY} ({@link
     * #midGrey}), {@value #STRONG_INK} ({@link #strongInk}), {@value #COVERAGE} ({@link #coverage})
     * and {@value #CONFIDENCE} (the calibrated top probability).
     */
    public static final List<String> FIGURES =
        List.of(
            "inkMass",
            "inkWidth",
            "inkHeight",
            "centreSpread",
            "centreOffset",
            MID_GREY,
            STRONG_INK,
            COVERAGE,
            CONFIDENCE);

    public Ood {
      Objects.requireNonNull(ranges, "ranges");
      if (!(threshold > 0) || !Double.isFinite(threshold)) {
        throw new ModelBundleException("ood threshold must be positive, got " + threshold);
      }
      SortedMap<String, double[]> sorted = new TreeMap<>();
      for (Map.Entry<String, double[]> range : ranges.entrySet()) {
        double[] r = range.getValue();
        if (!FIGURES.contains(range.getKey())) {
          throw new ModelBundleException(
              "ood range for unknown figure " + range.getKey() + "; figures are " + FIGURES);
        }
        if (r == null || r.length != 2 || !(r[0] <= r[1]) || !Double.isFinite(r[1] - r[0])) {
          throw new ModelBundleException(
              "ood range for "
                  + range.getKey()
                  + " must be [low, high], got "
                  + Arrays.toString(r));
        }
        sorted.put(range.getKey(), r.clone());
      }
      ranges = Collections.unmodifiableSortedMap(sorted);
    }

    /** The score {@link MonitoringReference#oodScore} describes. */
    public double score(InputStats stats, float[] calibrated) {
      double score = 0;
      // The field, not the accessor: that one copies, and this runs once per scored image.
      for (Map.Entry<String, double[]> range : ranges.entrySet()) {
        double x = figure(range.getKey(), stats, calibrated);
        double low = range.getValue()[0];
        double high = range.getValue()[1];
        double width = Math.max(high - low, 1e-9);
        double excess = x < low ? (low - x) / width : x > high ? (x - high) / width : 0;
        score = Math.max(score, excess);
      }
      return score;
    }

    /** Figure {@code name} ({@link #FIGURES}) of an input and its calibrated probabilities. */
    public static double figure(String name, InputStats stats, float[] calibrated) {
      return switch (name) {
        case MID_GREY -> midGrey(stats);
        case STRONG_INK -> strongInk(stats);
        case COVERAGE -> coverage(stats);
        case CONFIDENCE -> maxOf(calibrated);
        default -> feature(stats, name);
      };
    }

    @Override
    public Map<String, double[]> ranges() {
      SortedMap<String, double[]> copy = new TreeMap<>();
      ranges.forEach((name, range) -> copy.put(name, range.clone()));
      return Collections.unmodifiableSortedMap(copy);
    }
  }
}
