package io.digitstream.accuracy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What one window's predictions say before and after their labels: counted from every prediction
 * (estimated accuracy, out-of-distribution inputs, the predicted-digit mix, the confidence and
 * input histograms that drift is measured on) and from every pair (calibration). Counts only, so
 * windows add up exactly in any order; probabilities are summed in millionths. Immutable; its JSON
 * carries the counts and the derived figures (docs/records.md).
 */
@JsonPropertyOrder({
  "predictions",
  "estimatedAccuracy",
  "outOfDistribution",
  "predictedDigits",
  "estimateError",
  "calibration",
  "drift"
})
public final class WindowMonitor {
  /** Confidence is summed in these units, so that sums are exact. */
  public static final long MICROS = 1_000_000L;

  /** Equal-width bins of the calibrated top probability for the calibration figures. */
  public static final int CALIBRATION_BINS = 15;

  private static final WindowMonitor EMPTY =
      new WindowMonitor(
          0,
          0,
          0,
          new long[10],
          new long[0],
          Map.of(),
          new long[0],
          0,
          new long[3][CALIBRATION_BINS],
          null);

  private final long predictions;
  private final long confidenceMicros;
  private final long outOfDistribution;
  private final long[] predictedDigits;
  private final long[] confidenceBins;
  private final Map<String, long[]> inputBins;
  private final long[] intensity;
  private final long pairConfidenceMicros;
  private final long[][] calibrationCounts;
  private final Drift drift;

  private WindowMonitor(
      long predictions,
      long confidenceMicros,
      long outOfDistribution,
      long[] predictedDigits,
      long[] confidenceBins,
      Map<String, long[]> inputBins,
      long[] intensity,
      long pairConfidenceMicros,
      long[][] calibrationCounts,
      Drift drift) {
    this.predictions = predictions;
    this.confidenceMicros = confidenceMicros;
    this.outOfDistribution = outOfDistribution;
    this.predictedDigits = predictedDigits;
    this.confidenceBins = confidenceBins;
    this.inputBins = inputBins;
    this.intensity = intensity;
    this.pairConfidenceMicros = pairConfidenceMicros;
    this.calibrationCounts = calibrationCounts;
    this.drift = drift;
  }

  public static WindowMonitor empty() {
    return EMPTY;
  }

  /**
   * From copies of the counts.
   *
   * @param calibrationCounts three rows of {@value #CALIBRATION_BINS}: pairs, correct pairs and the
   *     sum of their calibrated probability in millionths, per bin
   */
  @JsonCreator
  public static WindowMonitor of(
      @JsonProperty("predictions") long predictions,
      @JsonProperty("confidenceMicros") long confidenceMicros,
      @JsonProperty("outOfDistribution") long outOfDistribution,
      @JsonProperty("predictedDigits") long[] predictedDigits,
      @JsonProperty("confidenceBins") long[] confidenceBins,
      @JsonProperty("inputBins") Map<String, long[]> inputBins,
      @JsonProperty("intensity") long[] intensity,
      @JsonProperty("pairConfidenceMicros") long pairConfidenceMicros,
      @JsonProperty("calibrationCounts") long[][] calibrationCounts,
      @JsonProperty("drift") Drift drift) {
    long[] digits = predictedDigits == null ? new long[10] : predictedDigits.clone();
    if (digits.length != 10) {
      throw new IllegalArgumentException("predictedDigits must hold 10 counts");
    }
    long[][] calibration = new long[3][];
    for (int r = 0; r < 3; r++) {
      calibration[r] =
          calibrationCounts == null || calibrationCounts.length != 3
              ? new long[CALIBRATION_BINS]
              : calibrationCounts[r].clone();
      if (calibration[r].length != CALIBRATION_BINS) {
        throw new IllegalArgumentException(
            "calibrationCounts rows must hold " + CALIBRATION_BINS + " counts");
      }
    }
    Map<String, long[]> inputs = new TreeMap<>();
    if (inputBins != null) {
      inputBins.forEach((k, v) -> inputs.put(k, v.clone()));
    }
    return new WindowMonitor(
        predictions,
        confidenceMicros,
        outOfDistribution,
        digits,
        confidenceBins == null ? new long[0] : confidenceBins.clone(),
        inputs,
        intensity == null ? new long[0] : intensity.clone(),
        pairConfidenceMicros,
        calibration,
        drift);
  }

  /** The calibration bin of a calibrated probability. */
  public static int calibrationBin(double probability) {
    return Math.min(CALIBRATION_BINS - 1, Math.max(0, (int) (probability * CALIBRATION_BINS)));
  }

  /** A probability in the units it is summed in. */
  public static long micros(double probability) {
    return Math.round(probability * MICROS);
  }

  /**
   * Cell-wise sum. Histograms of different shapes (a reference recalibrated under the same model
   * version) cannot be added: the sum then has none. The drift figures are not added; they are
   * computed for the sum again.
   */
  public WindowMonitor plus(WindowMonitor o) {
    long[][] calibration = new long[3][CALIBRATION_BINS];
    for (int r = 0; r < 3; r++) {
      calibration[r] = add(calibrationCounts[r], o.calibrationCounts[r]);
    }
    Map<String, long[]> inputs;
    if (inputBins.isEmpty() || o.inputBins.isEmpty()) {
      inputs = inputBins.isEmpty() ? o.inputBins : inputBins;
    } else if (!inputBins.keySet().equals(o.inputBins.keySet())) {
      inputs = Map.of();
    } else {
      inputs = new TreeMap<>();
      for (Map.Entry<String, long[]> e : inputBins.entrySet()) {
        long[] sum = add(e.getValue(), o.inputBins.get(e.getKey()));
        if (sum == null) {
          inputs = Map.of();
          break;
        }
        inputs.put(e.getKey(), sum);
      }
    }
    long[] conf = add(confidenceBins, o.confidenceBins);
    long[] grey = add(intensity, o.intensity);
    return new WindowMonitor(
        predictions + o.predictions,
        confidenceMicros + o.confidenceMicros,
        outOfDistribution + o.outOfDistribution,
        add(predictedDigits, o.predictedDigits),
        conf == null ? new long[0] : conf,
        inputs,
        grey == null ? new long[0] : grey,
        pairConfidenceMicros + o.pairConfidenceMicros,
        calibration,
        null);
  }

  // Element-wise sum; an empty side is no data; different lengths cannot be added (null).
  private static long[] add(long[] a, long[] b) {
    if (a.length == 0) {
      return b.clone();
    }
    if (b.length == 0) {
      return a.clone();
    }
    if (a.length != b.length) {
      return null;
    }
    long[] sum = a.clone();
    for (int i = 0; i < sum.length; i++) {
      sum[i] += b[i];
    }
    return sum;
  }

  /** This window with its drift figures. */
  public WindowMonitor withDrift(Drift figures) {
    return new WindowMonitor(
        predictions,
        confidenceMicros,
        outOfDistribution,
        predictedDigits,
        confidenceBins,
        inputBins,
        intensity,
        pairConfidenceMicros,
        calibrationCounts,
        figures);
  }

  @JsonProperty("predictions")
  public long predictions() {
    return predictions;
  }

  @JsonProperty("confidenceMicros")
  public long confidenceMicros() {
    return confidenceMicros;
  }

  @JsonProperty("outOfDistribution")
  public long outOfDistribution() {
    return outOfDistribution;
  }

  @JsonProperty("predictedDigits")
  public long[] predictedDigits() {
    return predictedDigits.clone();
  }

  @JsonProperty("confidenceBins")
  public long[] confidenceBins() {
    return confidenceBins.clone();
  }

  @JsonProperty("inputBins")
  public Map<String, long[]> inputBins() {
    Map<String, long[]> copy = new TreeMap<>();
    inputBins.forEach((k, v) -> copy.put(k, v.clone()));
    return copy;
  }

  @JsonProperty("intensity")
  public long[] intensity() {
    return intensity.clone();
  }

  @JsonProperty("pairConfidenceMicros")
  public long pairConfidenceMicros() {
    return pairConfidenceMicros;
  }

  @JsonProperty("calibrationCounts")
  public long[][] calibrationCounts() {
    long[][] copy = new long[3][];
    for (int r = 0; r < 3; r++) {
      copy[r] = calibrationCounts[r].clone();
    }
    return copy;
  }

  /** The drift figures, or null where no reference was at hand to compute them. */
  @JsonProperty("drift")
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public Drift drift() {
    return drift;
  }

  /** Mean calibrated top probability of the window's predictions: its expected accuracy. */
  @JsonProperty("estimatedAccuracy")
  public Double estimatedAccuracy() {
    return predictions == 0 ? null : (double) confidenceMicros / MICROS / predictions;
  }

  /** Pairs counted for calibration. */
  public long pairs() {
    return Arrays.stream(calibrationCounts[0]).sum();
  }

  /**
   * The estimate's error where the labels came: estimated minus measured accuracy over the paired
   * predictions, or null without pairs.
   */
  @JsonProperty("estimateError")
  public Double estimateError() {
    long pairs = pairs();
    if (pairs == 0) {
      return null;
    }
    long correct = Arrays.stream(calibrationCounts[1]).sum();
    return ((double) pairConfidenceMicros / MICROS - correct) / pairs;
  }

  /** Reliability bins and the expected calibration error of the paired predictions. */
  @JsonProperty("calibration")
  public Calibration calibration() {
    long pairs = pairs();
    List<Calibration.Bin> bins = new ArrayList<>();
    double ece = 0;
    for (int b = 0; b < CALIBRATION_BINS; b++) {
      long n = calibrationCounts[0][b];
      long correct = calibrationCounts[1][b];
      Double mean = n == 0 ? null : (double) calibrationCounts[2][b] / MICROS / n;
      bins.add(
          new Calibration.Bin(
              (double) b / CALIBRATION_BINS,
              (double) (b + 1) / CALIBRATION_BINS,
              n,
              correct,
              mean));
      if (n > 0) {
        ece += (double) n / pairs * Math.abs((double) correct / n - mean);
      }
    }
    return new Calibration(pairs, pairs == 0 ? null : ece, bins);
  }

  /** Reliability diagram: per bin of calibrated probability, pairs and correct pairs. */
  @JsonPropertyOrder({"pairs", "ece", "bins"})
  public record Calibration(long pairs, Double ece, List<Bin> bins) {
    /** One bin {@code [lower, upper)} (the last one includes 1). */
    public record Bin(
        double lower, double upper, long count, long correct, Double meanConfidence) {}
  }

  /**
   * Drift scores of a window against the model's reference (population stability index for the
   * histograms; see docs/accuracy.md): null where not computable.
   *
   * @param digitMix predicted-digit mix against the training labels' mix
   * @param input the largest of {@code inputs}
   * @param inputs per input feature and {@code intensity} (grey levels of all pixels)
   * @param confidence the calibrated top probability against the validation split's
   * @param errorCusum the change detector on the error stream of the model version, in errors
   *     beyond the expected rate, when the window was last updated
   */
  @JsonPropertyOrder({"digitMix", "input", "inputs", "confidence", "errorCusum"})
  public record Drift(
      Double digitMix,
      Double input,
      Map<String, Double> inputs,
      Double confidence,
      Double errorCusum) {
    public Drift {
      inputs = inputs == null ? Map.of() : Map.copyOf(inputs);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WindowMonitor w
        && predictions == w.predictions
        && confidenceMicros == w.confidenceMicros
        && outOfDistribution == w.outOfDistribution
        && Arrays.equals(predictedDigits, w.predictedDigits)
        && Arrays.equals(confidenceBins, w.confidenceBins)
        && Arrays.equals(intensity, w.intensity)
        && pairConfidenceMicros == w.pairConfidenceMicros
        && Arrays.deepEquals(calibrationCounts, w.calibrationCounts)
        && sameInputs(w)
        && Objects.equals(drift, w.drift);
  }

  private boolean sameInputs(WindowMonitor w) {
    if (!inputBins.keySet().equals(w.inputBins.keySet())) {
      return false;
    }
    return inputBins.entrySet().stream()
        .allMatch(e -> Arrays.equals(e.getValue(), w.inputBins.get(e.getKey())));
  }

  @Override
  public int hashCode() {
    return Objects.hash(predictions, confidenceMicros, outOfDistribution, pairConfidenceMicros);
  }

  @Override
  public String toString() {
    return "WindowMonitor[predictions=" + predictions + ", pairs=" + pairs() + "]";
  }
}
