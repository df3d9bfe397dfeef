package io.digitstream.streams.accuracy;

import io.digitstream.accuracy.WindowMonitor;
import io.digitstream.image.InputStats;
import io.digitstream.model.MonitoringReference;
import io.digitstream.record.Prediction;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The monitoring counts of one {@link AccuracyDelta}, added to one image or pair at a time on the
 * stream thread (so mutable, like the delta's cell counts) and turned into a {@link WindowMonitor}
 * downstream. Histogram bins follow the model version's {@link MonitoringReference}; without one
 * only the plain counts are kept.
 */
final class MonitorTally {
  private static final List<String> FEATURES = MonitoringReference.INPUT_FEATURES;

  long predictions;
  long confidenceMicros;
  long outOfDistribution;
  final long[] digits = new long[10];
  long[] confidence = new long[0];
  long[][] inputs = new long[0][];
  long[] intensity = new long[0];
  long pairConfidenceMicros;
  final long[][] calibration = new long[3][WindowMonitor.CALIBRATION_BINS];

  /** Counts one prediction of an image with figures {@code stats}, binned by {@code reference}. */
  void addPrediction(Prediction p, InputStats stats, MonitoringReference reference) {
    predictions++;
    double conf = p.confidence();
    confidenceMicros += WindowMonitor.micros(conf);
    if (Boolean.TRUE.equals(p.outOfDistribution())) {
      outOfDistribution++;
    }
    digits[p.digit()]++;
    if (reference == null || stats == null || !shapedFor(reference)) {
      return;
    }
    confidence[reference.confidence().bin(conf)]++;
    for (int f = 0; f < FEATURES.size(); f++) {
      String name = FEATURES.get(f);
      inputs[f][reference.inputs().get(name).bin(MonitoringReference.feature(stats, name))]++;
    }
    int[] grey = stats.intensity();
    for (int b = 0; b < grey.length; b++) {
      intensity[b] += grey[b];
    }
  }

  // Sizes the histograms for the reference on first use; false if they were sized for another.
  private boolean shapedFor(MonitoringReference reference) {
    if (confidence.length == 0) {
      confidence = new long[reference.confidence().bins()];
      inputs = new long[FEATURES.size()][];
      for (int f = 0; f < FEATURES.size(); f++) {
        inputs[f] = new long[reference.inputs().get(FEATURES.get(f)).bins()];
      }
      intensity = new long[InputStats.INTENSITY_BINS];
      return true;
    }
    if (confidence.length != reference.confidence().bins()) {
      return false;
    }
    for (int f = 0; f < FEATURES.size(); f++) {
      if (inputs[f].length != reference.inputs().get(FEATURES.get(f)).bins()) {
        return false;
      }
    }
    return true;
  }

  /** Counts one pair for calibration, if its confidence is known. */
  void addPair(LabelledPrediction pair) {
    if (pair.confidenceMicros() < 0) {
      return;
    }
    int bin = WindowMonitor.calibrationBin((double) pair.confidenceMicros() / WindowMonitor.MICROS);
    calibration[0][bin]++;
    if (pair.truth() == pair.predicted()) {
      calibration[1][bin]++;
    }
    calibration[2][bin] += pair.confidenceMicros();
    pairConfidenceMicros += pair.confidenceMicros();
  }

  WindowMonitor toMonitor() {
    Map<String, long[]> bins = new TreeMap<>();
    for (int f = 0; f < inputs.length; f++) {
      bins.put(FEATURES.get(f), inputs[f]);
    }
    return WindowMonitor.of(
        predictions,
        confidenceMicros,
        outOfDistribution,
        digits,
        confidence,
        bins,
        intensity,
        pairConfidenceMicros,
        calibration,
        null);
  }

  void write(ByteArrayOutputStream out) {
    AccuracyDelta.BinarySerde.writeVarLong(out, predictions);
    AccuracyDelta.BinarySerde.writeVarLong(out, confidenceMicros);
    AccuracyDelta.BinarySerde.writeVarLong(out, outOfDistribution);
    writeArray(out, digits);
    writeArray(out, confidence);
    AccuracyDelta.BinarySerde.writeVarLong(out, inputs.length);
    for (long[] feature : inputs) {
      writeArray(out, feature);
    }
    writeArray(out, intensity);
    AccuracyDelta.BinarySerde.writeVarLong(out, pairConfidenceMicros);
    for (long[] row : calibration) {
      writeArray(out, row);
    }
  }

  static MonitorTally read(ByteBuffer in) {
    MonitorTally t = new MonitorTally();
    t.predictions = AccuracyDelta.BinarySerde.readVarLong(in);
    t.confidenceMicros = AccuracyDelta.BinarySerde.readVarLong(in);
    t.outOfDistribution = AccuracyDelta.BinarySerde.readVarLong(in);
    System.arraycopy(readArray(in), 0, t.digits, 0, 10);
    t.confidence = readArray(in);
    t.inputs = new long[(int) AccuracyDelta.BinarySerde.readVarLong(in)][];
    for (int f = 0; f < t.inputs.length; f++) {
      t.inputs[f] = readArray(in);
    }
    t.intensity = readArray(in);
    t.pairConfidenceMicros = AccuracyDelta.BinarySerde.readVarLong(in);
    for (int r = 0; r < 3; r++) {
      System.arraycopy(readArray(in), 0, t.calibration[r], 0, WindowMonitor.CALIBRATION_BINS);
    }
    return t;
  }

  private static void writeArray(ByteArrayOutputStream out, long[] values) {
    AccuracyDelta.BinarySerde.writeVarLong(out, values.length);
    for (long v : values) {
      AccuracyDelta.BinarySerde.writeVarLong(out, v);
    }
  }

  private static long[] readArray(ByteBuffer in) {
    long[] values = new long[(int) AccuracyDelta.BinarySerde.readVarLong(in)];
    for (int i = 0; i < values.length; i++) {
      values[i] = AccuracyDelta.BinarySerde.readVarLong(in);
    }
    return values;
  }
}
