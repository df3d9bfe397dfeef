package io.digitstream.streams.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.digitstream.accuracy.WindowMonitor;
import io.digitstream.model.MonitoringReference;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DriftScoresTest {
  private final MonitoringReference reference = References.simple();

  @Test
  void aWindowShapedLikeTheReferenceHasNoDrift() {
    long[] digits = {100, 100, 100, 100, 100, 100, 100, 100, 100, 100};
    WindowMonitor m = monitor(digits, new long[] {10, 20, 70, 900});

    WindowMonitor.Drift drift = DriftScores.of(m, reference, 0.0);

    assertThat(drift.digitMix()).isCloseTo(0, within(1e-9));
    assertThat(drift.confidence()).isCloseTo(0, within(1e-9));
    assertThat(drift.inputs()).containsOnlyKeys("inkMass", DriftScores.INTENSITY);
    assertThat(drift.input()).isCloseTo(0, within(1e-9));
    assertThat(drift.errorCusum()).isZero();
  }

  @Test
  void aSkewedMixAndLowConfidenceScoreAboveTheMajorShiftLine() {
    // Two thirds of the predictions say 8, as pure noise does; confidence is spread out.
    long[] digits = {40, 40, 40, 40, 40, 40, 40, 40, 680, 40};
    WindowMonitor m = monitor(digits, new long[] {300, 300, 200, 200});

    WindowMonitor.Drift drift = DriftScores.of(m, reference, null);

    assertThat(drift.digitMix()).isGreaterThan(0.25);
    assertThat(drift.confidence()).isGreaterThan(0.25);
    assertThat(drift.errorCusum()).isNull();
  }

  @Test
  void psiMatchesItsDefinitionAndIsNullWithoutCounts() {
    double expected = (0.75 - 0.5) * Math.log(0.75 / 0.5) + (0.25 - 0.5) * Math.log(0.25 / 0.5);
    assertThat(DriftScores.psi(new long[] {3, 1}, new double[] {0.5, 0.5}))
        .isCloseTo(expected, within(1e-9));
    assertThat(DriftScores.psi(new long[] {0, 0}, new double[] {0.5, 0.5})).isNull();
  }

  @Test
  void noReferenceNoFigures() {
    assertThat(DriftScores.of(WindowMonitor.empty(), null, 1.0)).isNull();
  }

  private WindowMonitor monitor(long[] digits, long[] confidence) {
    long n = java.util.Arrays.stream(digits).sum();
    long[] grey = new long[reference.intensity().length];
    for (int b = 0; b < grey.length; b++) {
      grey[b] = Math.round(reference.intensity()[b] * 784 * n);
    }
    return WindowMonitor.of(
        n,
        0,
        0,
        digits,
        confidence,
        Map.of("inkMass", new long[] {n / 4, n / 4, n / 4, n / 4}),
        grey,
        0,
        null,
        null);
  }
}
