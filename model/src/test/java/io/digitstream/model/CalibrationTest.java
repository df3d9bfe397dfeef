package io.digitstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CalibrationTest {
  /**
   * A network whose probabilities are {@code softmax(z)} while the labels were drawn from {@code
   * softmax(z / trueTemperature)}: the fitted temperature must find {@code trueTemperature}.
   */
  private static Object[] overconfident(int n, double trueTemperature, long seed) {
    Random random = new Random(seed);
    float[][] probabilities = new float[n][10];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      double[] z = new double[10];
      for (int k = 0; k < 10; k++) {
        z[k] = 4 * random.nextGaussian();
      }
      probabilities[i] = softmax(z, 1);
      float[] truth = softmax(z, trueTemperature);
      double u = random.nextDouble();
      int label = 9;
      for (int k = 0; k < 10; k++) {
        u -= truth[k];
        if (u < 0) {
          label = k;
          break;
        }
      }
      labels[i] = label;
    }
    return new Object[] {probabilities, labels};
  }

  private static float[] softmax(double[] z, double t) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) {
      max = Math.max(max, v);
    }
    double sum = 0;
    double[] e = new double[z.length];
    for (int k = 0; k < z.length; k++) {
      e[k] = Math.exp((z[k] - max) / t);
      sum += e[k];
    }
    float[] p = new float[z.length];
    for (int k = 0; k < z.length; k++) {
      p[k] = (float) (e[k] / sum);
    }
    return p;
  }

  @Test
  void findsTheTemperatureTheLabelsWereDrawnWith() {
    for (double truth : new double[] {0.5, 1.0, 2.0}) {
      Object[] data = overconfident(20_000, truth, 11);
      float[][] p = (float[][]) data[0];
      int[] labels = (int[]) data[1];

      double fitted = Calibration.fitTemperature(p, labels);

      assertThat(fitted).as("true temperature %s", truth).isCloseTo(truth, within(0.06 * truth));
      assertThat(Calibration.nll(p, labels, fitted))
          .isLessThanOrEqualTo(Calibration.nll(p, labels, fitted * 1.1))
          .isLessThanOrEqualTo(Calibration.nll(p, labels, fitted / 1.1));
    }
  }

  @Test
  void theSameProbabilitiesAlwaysGiveTheSameTemperature() {
    Object[] data = overconfident(3_000, 1.7, 5);
    double first = Calibration.fitTemperature((float[][]) data[0], (int[]) data[1]);
    double second = Calibration.fitTemperature((float[][]) data[0], (int[]) data[1]);
    assertThat(Double.doubleToLongBits(second)).isEqualTo(Double.doubleToLongBits(first));
  }

  @Test
  void temperatureScalingLowersTheCalibrationErrorOfAnOverconfidentNetwork() {
    Object[] data = overconfident(20_000, 2.0, 3);
    float[][] p = (float[][]) data[0];
    int[] labels = (int[]) data[1];
    double t = Calibration.fitTemperature(p, labels);

    double before = Calibration.ece(p, labels);
    double after = Calibration.ece(Calibration.scaled(p, t), labels);

    assertThat(before).isGreaterThan(0.1);
    assertThat(after).isLessThan(0.02);
  }

  @Test
  void eceIsTheImageWeightedGapOfFifteenEqualBins() {
    float[][] p = {top(0.9f, 0), top(0.9f, 0), top(0.65f, 1), top(0.65f, 1), top(0.65f, 1)};
    int[] labels = {0, 3, 1, 1, 2};

    List<Calibration.Bin> bins = Calibration.reliability(p, labels);

    assertThat(bins).hasSize(15);
    // 0.9 lies in (13/15, 14/15], 0.65 in (9/15, 10/15].
    assertThat(bins.get(13).count()).isEqualTo(2);
    assertThat(bins.get(13).accuracy()).isEqualTo(0.5);
    assertThat(bins.get(9).count()).isEqualTo(3);
    assertThat(bins.get(9).accuracy()).isCloseTo(2 / 3.0, within(1e-12));
    assertThat(bins.stream().mapToInt(Calibration.Bin::count).sum()).isEqualTo(5);
    double expected = (2 * Math.abs(0.5 - 0.9f) + 3 * Math.abs(2 / 3.0 - 0.65f)) / 5;
    assertThat(Calibration.ece(p, labels)).isCloseTo(expected, within(1e-9));
  }

  /** Probability {@code p} on {@code digit}, the rest spread evenly. */
  private static float[] top(float p, int digit) {
    float[] row = new float[10];
    java.util.Arrays.fill(row, (1 - p) / 9);
    row[digit] = p;
    return row;
  }
}
