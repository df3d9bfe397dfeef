package io.digitstream.streams.accuracy;

import io.digitstream.accuracy.AccuracyWindow;
import java.util.List;

/**
 * What a person watching a model version wants in one answer.
 *
 * @param modelVersion the model version
 * @param cumulative everything since its first pair
 * @param latestTumbling the newest tumbling window (possibly still filling)
 * @param rolling the hopping window that ends with the newest time bucket: the last {@code
 *     hopping.ms} of image time
 * @param rollingHistory the rolling accuracy over time, oldest first: one point per hopping window
 *     that ends at or before the newest bucket
 */
public record VersionSummary(
    String modelVersion,
    AccuracyWindow cumulative,
    AccuracyWindow latestTumbling,
    AccuracyWindow rolling,
    List<AccuracyPoint> rollingHistory) {

  /**
   * One point of a rolling-accuracy chart.
   *
   * @param windowEnd end of the hopping window, epoch ms
   * @param accuracy its accuracy
   * @param count pairs in it
   */
  public record AccuracyPoint(long windowEnd, double accuracy, long count) {}
}
