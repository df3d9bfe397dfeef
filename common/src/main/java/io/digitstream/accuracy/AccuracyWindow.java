package io.digitstream.accuracy;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.digitstream.record.InvalidRecordException;
import java.util.Objects;

/**
 * The confusion matrix of one model version over one window of image time: the value of the
 * accuracy topic, of the accuracy stores and of the REST answers (see docs/records.md).
 *
 * @param modelVersion the model version that made the predictions
 * @param kind tumbling, hopping or cumulative
 * @param windowStart start of the window, epoch ms, inclusive; for the cumulative view the start of
 *     the earliest time bucket counted
 * @param windowEnd end of the window, epoch ms, exclusive; for the cumulative view the end of the
 *     latest time bucket counted
 * @param matrix the counts (rows = true digit, columns = predicted digit) and derived figures
 * @param monitor what the window's predictions say with and without labels: estimated accuracy,
 *     calibration, out-of-distribution inputs and drift (empty in records of older versions)
 */
@JsonPropertyOrder({"modelVersion", "kind", "windowStart", "windowEnd", "matrix", "monitor"})
public record AccuracyWindow(
    String modelVersion,
    WindowKind kind,
    long windowStart,
    long windowEnd,
    ConfusionMatrix matrix,
    WindowMonitor monitor) {

  /** Separates the parts of a record key: model versions are hex hashes, never contain it. */
  public static final char KEY_SEPARATOR = '|';

  public AccuracyWindow {
    if (modelVersion == null || modelVersion.isBlank()) {
      throw new InvalidRecordException("modelVersion is missing");
    }
    if (kind == null) {
      throw new InvalidRecordException("kind is missing");
    }
    if (windowEnd < windowStart) {
      throw new InvalidRecordException(
          "windowEnd " + windowEnd + " is before windowStart " + windowStart);
    }
    Objects.requireNonNull(matrix, "matrix");
    monitor = monitor == null ? WindowMonitor.empty() : monitor;
  }

  /** A window of pairs only. */
  public AccuracyWindow(
      String modelVersion,
      WindowKind kind,
      long windowStart,
      long windowEnd,
      ConfusionMatrix matrix) {
    this(modelVersion, kind, windowStart, windowEnd, matrix, WindowMonitor.empty());
  }

  /**
   * The record key on the accuracy topic: {@code <modelVersion>|cumulative} for the cumulative
   * view, {@code <modelVersion>|<kind>|<windowStart>} for a window. One key per window, so a
   * compacted topic keeps each window's latest result.
   */
  public String key() {
    return kind == WindowKind.CUMULATIVE
        ? cumulativeKey(modelVersion)
        : modelVersion + KEY_SEPARATOR + kind.label() + KEY_SEPARATOR + windowStart;
  }

  /** The accuracy topic's key of {@code modelVersion}'s cumulative matrix. */
  public static String cumulativeKey(String modelVersion) {
    return modelVersion + KEY_SEPARATOR + WindowKind.CUMULATIVE.label();
  }

  /** This window with {@code delta} added, widened to cover {@code [from, to)} if cumulative. */
  public AccuracyWindow plus(ConfusionMatrix delta, long from, long to) {
    return plus(delta, WindowMonitor.empty(), from, to);
  }

  /**
   * This window with {@code delta} and {@code counts} added, widened to cover {@code [from, to)} if
   * cumulative; drift figures are left to be computed for the sum.
   */
  public AccuracyWindow plus(ConfusionMatrix delta, WindowMonitor counts, long from, long to) {
    long start = kind == WindowKind.CUMULATIVE ? Math.min(windowStart, from) : windowStart;
    long end = kind == WindowKind.CUMULATIVE ? Math.max(windowEnd, to) : windowEnd;
    return new AccuracyWindow(
        modelVersion, kind, start, end, matrix.plus(delta), monitor.plus(counts));
  }

  /** This window with its monitor replaced, e.g. by one with drift figures. */
  public AccuracyWindow withMonitor(WindowMonitor figures) {
    return new AccuracyWindow(modelVersion, kind, windowStart, windowEnd, matrix, figures);
  }
}
