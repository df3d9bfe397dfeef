package io.digitstream.streams.monitor;

import io.digitstream.image.InputStats;
import io.digitstream.model.MonitoringReference;
import java.util.Map;
import java.util.TreeMap;

/** Hand-made monitoring references for tests: simple shapes whose drift figures are easy to see. */
public final class References {
  private References() {}

  /**
   * Uniform label prior, each input feature in four equal bins, grey levels mostly background,
   * confidence mostly above 0.99; validation accuracy 0.99, temperature 1.
   */
  public static MonitoringReference simple() {
    Map<String, MonitoringReference.Histogram> inputs = new TreeMap<>();
    inputs.put("inkMass", quarters(60, 100, 140));
    inputs.put("inkWidth", quarters(8, 12, 16));
    inputs.put("inkHeight", quarters(17, 19, 20));
    inputs.put("centreSpread", quarters(4, 5, 6));
    inputs.put("centreOffset", quarters(0.3, 0.6, 1.0));
    double[] grey = new double[InputStats.INTENSITY_BINS];
    grey[0] = 0.8;
    for (int b = 1; b < grey.length; b++) {
      grey[b] = 0.2 / (grey.length - 1);
    }
    double[] prior = new double[10];
    java.util.Arrays.fill(prior, 0.1);
    return new MonitoringReference(
        MonitoringReference.FORMAT_VERSION,
        1.0,
        5000,
        0.99,
        0.01,
        0.005,
        prior,
        inputs,
        grey,
        new MonitoringReference.Histogram(
            new double[] {0.5, 0.9, 0.99}, new double[] {0.01, 0.02, 0.07, 0.9}),
        new MonitoringReference.Ood(Map.of("inkMass", new double[] {10, 300}), 1.0, 0.001));
  }

  private static MonitoringReference.Histogram quarters(double a, double b, double c) {
    return new MonitoringReference.Histogram(
        new double[] {a, b, c}, new double[] {0.25, 0.25, 0.25, 0.25});
  }
}
