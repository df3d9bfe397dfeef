package io.digitstream.model;

import io.digitstream.image.InputStats;
import io.digitstream.image.MnistDataset;
import io.digitstream.model.MonitoringReference.Histogram;
import io.digitstream.model.MonitoringReference.Ood;
import io.digitstream.record.DigitImage;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a bundle's {@link MonitoringReference} from its network, the training images and the
 * validation split it was trained with: the temperature and the confidence histogram from the
 * validation images, every input distribution and out-of-distribution range from the training
 * images, and the threshold from the validation images' scores. Deterministic: the same network and
 * data give the same reference, and so the same {@code monitoring.json}, byte for byte.
 */
public final class MonitoringFit {
  /** Bins of each quantile histogram (fewer where tied values share an edge). */
  public static final int HISTOGRAM_BINS = 10;

  /**
   * Each out-of-distribution range spans the training values from this quantile to its complement:
   * the 0.1 % most extreme images at either end of a figure fall outside it.
   */
  public static final double RANGE_QUANTILE = 0.001;

  /**
   * At most this fraction of the validation split is flagged out of distribution: the threshold is
   * at least the score that leaves 0.25 % of it at or above.
   */
  public static final double VALIDATION_FLAGGED = 0.0025;

  /**
   * The threshold is never below this, 30 % of a range's width beyond its end: photographed digits,
   * whose strokes the preprocessor makes softer than MNIST's, stay mostly inside it (2-3 % flagged,
   * docs/accuracy.md), while noise, inverted digits, blank images and filled shapes land far
   * beyond.
   */
  public static final double MIN_THRESHOLD = 0.3;

  /**
   * The figures out-of-distribution ranges are kept for: every {@link Ood#FIGURES} but the centre
   * offset, which the preprocessor's whole-pixel placement alone moves past MNIST's range.
   */
  public static final List<String> OOD_FIGURES =
      Ood.FIGURES.stream().filter(f -> !f.equals("centreOffset")).toList();

  private MonitoringFit() {}

  /**
   * The reference of {@code classifier}, trained on the images of {@code data} at {@code train} and
   * validated on those at {@code validation}.
   */
  public static MonitoringReference fit(
      DigitClassifier classifier, MnistDataset data, int[] train, int[] validation) {
    if (train.length == 0 || validation.length == 0) {
      throw new IllegalArgumentException(
          "a monitoring reference needs training and validation images, got "
              + train.length
              + " and "
              + validation.length);
    }
    InputStats[] trainStats = stats(data, train);

    float[][] raw = Evaluator.probabilities(classifier, data, validation);
    int[] labels = Evaluator.labels(data, validation);
    double temperature = Calibration.fitTemperature(raw, labels);
    float[][] calibrated = Calibration.scaled(raw, temperature);
    double[] confidence = new double[calibrated.length];
    for (int i = 0; i < calibrated.length; i++) {
      confidence[i] = MonitoringReference.maxOf(calibrated[i]);
    }

    Map<String, Histogram> inputs = new LinkedHashMap<>();
    Map<String, double[]> ranges = new LinkedHashMap<>();
    for (String figure : Ood.FIGURES) {
      // Confidence is the network's, so it is read where the network did not learn: validation.
      double[] values = figure.equals(Ood.CONFIDENCE) ? confidence : figures(figure, trainStats);
      if (OOD_FIGURES.contains(figure)) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        ranges.put(
            figure,
            new double[] {quantile(sorted, RANGE_QUANTILE), quantile(sorted, 1 - RANGE_QUANTILE)});
      }
      if (MonitoringReference.INPUT_FEATURES.contains(figure)) {
        inputs.put(figure, quantileHistogram(values, HISTOGRAM_BINS));
      }
    }

    InputStats[] validStats = stats(data, validation);
    double[] scores = new double[validation.length];
    Ood unbounded = new Ood(ranges, Double.MAX_VALUE, 0);
    for (int i = 0; i < scores.length; i++) {
      scores[i] = unbounded.score(validStats[i], calibrated[i]);
    }
    double threshold = threshold(scores, VALIDATION_FLAGGED);
    return new MonitoringReference(
        MonitoringReference.FORMAT_VERSION,
        temperature,
        labels.length,
        Evaluator.confusion(raw, labels).accuracy(),
        Calibration.ece(raw, labels),
        Calibration.ece(calibrated, labels),
        labelPrior(data, train),
        inputs,
        intensity(trainStats),
        quantileHistogram(confidence, HISTOGRAM_BINS),
        new Ood(ranges, threshold, flaggedFraction(scores, threshold)));
  }

  /**
   * The fraction of {@code images} (with their calibrated probabilities) that {@code reference}
   * marks out of distribution.
   */
  public static double flaggedFraction(
      MonitoringReference reference, List<byte[]> images, float[][] calibrated) {
    if (images.isEmpty()) {
      return 0;
    }
    int flagged = 0;
    for (int i = 0; i < images.size(); i++) {
      InputStats stats = InputStats.of(images.get(i));
      flagged += reference.outOfDistribution(reference.oodScore(stats, calibrated[i])) ? 1 : 0;
    }
    return (double) flagged / images.size();
  }

  /**
   * The lowest threshold that flags at most {@code fraction} of {@code scores}, and never less than
   * {@link #MIN_THRESHOLD}: just above the score that {@code floor(fraction × n)} scores exceed.
   */
  static double threshold(double[] scores, double fraction) {
    double[] sorted = scores.clone();
    Arrays.sort(sorted);
    int allowed = (int) Math.floor(fraction * sorted.length);
    double kept = sorted[sorted.length - 1 - Math.min(allowed, sorted.length - 1)];
    return Math.max(MIN_THRESHOLD, Math.nextUp(kept));
  }

  private static double flaggedFraction(double[] scores, double threshold) {
    int flagged = 0;
    for (double s : scores) {
      flagged += s >= threshold ? 1 : 0;
    }
    return (double) flagged / scores.length;
  }

  /**
   * A histogram of {@code values} with edges at its {@code bins}-quantiles (equal mass per bin, so
   * a drift score weighs every part of the distribution alike), tied edges merged, and the actual
   * fraction of {@code values} in each bin.
   */
  static Histogram quantileHistogram(double[] values, int bins) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    double[] edges = new double[bins - 1];
    int k = 0;
    for (int i = 1; i < bins; i++) {
      double edge = sorted[(int) ((long) i * sorted.length / bins)];
      if (k == 0 || edge > edges[k - 1]) {
        edges[k++] = edge;
      }
    }
    edges = Arrays.copyOf(edges, k);
    double[] expected = new double[k + 1];
    Histogram shape = new Histogram(edges, uniform(k + 1));
    for (double v : values) {
      expected[shape.bin(v)]++;
    }
    for (int b = 0; b < expected.length; b++) {
      expected[b] /= values.length;
    }
    return new Histogram(edges, expected);
  }

  private static double[] uniform(int n) {
    double[] u = new double[n];
    Arrays.fill(u, 1.0 / n);
    return u;
  }

  /** The value below which a fraction {@code q} of {@code sorted} lies: one of its elements. */
  static double quantile(double[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
  }

  private static double[] figures(String figure, InputStats[] stats) {
    double[] values = new double[stats.length];
    for (int i = 0; i < stats.length; i++) {
      values[i] = Ood.figure(figure, stats[i], null);
    }
    return values;
  }

  private static InputStats[] stats(MnistDataset data, int[] indices) {
    InputStats[] stats = new InputStats[indices.length];
    for (int i = 0; i < indices.length; i++) {
      stats[i] = InputStats.of(data.image(indices[i]));
    }
    return stats;
  }

  private static double[] labelPrior(MnistDataset data, int[] train) {
    double[] prior = new double[10];
    for (int i : train) {
      prior[data.label(i)]++;
    }
    for (int d = 0; d < prior.length; d++) {
      prior[d] /= train.length;
    }
    return prior;
  }

  private static double[] intensity(InputStats[] stats) {
    long[] counts = new long[InputStats.INTENSITY_BINS];
    for (InputStats s : stats) {
      int[] bins = s.intensity();
      for (int b = 0; b < bins.length; b++) {
        counts[b] += bins[b];
      }
    }
    double total = (double) stats.length * DigitImage.PIXELS;
    double[] fractions = new double[counts.length];
    for (int b = 0; b < counts.length; b++) {
      fractions[b] = counts[b] / total;
    }
    return fractions;
  }
}
