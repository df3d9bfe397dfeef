package io.digitstream.streams.monitor;

import io.digitstream.accuracy.WindowMonitor;
import io.digitstream.model.MonitoringReference;
import java.util.Map;
import java.util.TreeMap;

/**
 * The drift figures of a window against its model's reference: population stability indices (PSI)
 * of the predicted-digit mix, the input features, the grey levels and the calibrated confidence,
 * and the error change detector's value ({@link ErrorCusum}). Pure functions of counts, so a
 * window's figures do not depend on the order its counts arrived in.
 */
public final class DriftScores {
  /** The PSI name of the grey-level histogram among the input figures. */
  public static final String INTENSITY = "intensity";

  // Empty bins would make the index infinite; this floor is the usual one.
  private static final double FLOOR = 1e-4;

  private DriftScores() {}

  /** The figures of {@code monitor}, or null without a reference. */
  public static WindowMonitor.Drift of(
      WindowMonitor monitor, MonitoringReference reference, Double errorCusum) {
    if (reference == null) {
      return null;
    }
    Double digitMix = psi(monitor.predictedDigits(), reference.labelPrior());
    Map<String, Double> inputs = new TreeMap<>();
    Map<String, long[]> bins = monitor.inputBins();
    for (Map.Entry<String, MonitoringReference.Histogram> e : reference.inputs().entrySet()) {
      long[] counts = bins.get(e.getKey());
      if (counts != null && counts.length == e.getValue().bins()) {
        Double score = psi(counts, e.getValue().expected());
        if (score != null) {
          inputs.put(e.getKey(), score);
        }
      }
    }
    long[] grey = monitor.intensity();
    if (grey.length == reference.intensity().length) {
      Double score = psi(grey, reference.intensity());
      if (score != null) {
        inputs.put(INTENSITY, score);
      }
    }
    Double input = inputs.values().stream().max(Double::compare).orElse(null);
    long[] confidence = monitor.confidenceBins();
    Double conf =
        confidence.length == reference.confidence().bins()
            ? psi(confidence, reference.confidence().expected())
            : null;
    return new WindowMonitor.Drift(digitMix, input, inputs, conf, errorCusum);
  }

  /**
   * PSI of observed counts against expected fractions: {@code sum (a - e) ln(a / e)} over the bins,
   * both floored at {@value #FLOOR}; null without counts.
   */
  public static Double psi(long[] counts, double[] expected) {
    if (counts.length != expected.length) {
      throw new IllegalArgumentException(
          counts.length + " counts against " + expected.length + " expected fractions");
    }
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    if (total == 0) {
      return null;
    }
    double psi = 0;
    for (int i = 0; i < counts.length; i++) {
      double a = Math.max((double) counts[i] / total, FLOOR);
      double e = Math.max(expected[i], FLOOR);
      psi += (a - e) * Math.log(a / e);
    }
    return psi;
  }
}
