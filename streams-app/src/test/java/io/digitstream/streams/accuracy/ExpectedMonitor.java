package io.digitstream.streams.accuracy;

import io.digitstream.accuracy.WindowMonitor;
import io.digitstream.image.InputStats;
import io.digitstream.model.MonitoringReference;
import io.digitstream.record.Prediction;
import java.util.Collection;
import java.util.Map;

/**
 * The monitoring counts a window should hold, computed without Kafka from the predictions as they
 * were published, their images and their labels: what exactly-once means for these counts.
 */
public final class ExpectedMonitor {
  private ExpectedMonitor() {}

  /**
   * @param pixels image pixels by id
   * @param truth true digit by id; ids without one are unlabelled
   * @param reference the model's reference, or null
   */
  public static WindowMonitor of(
      Collection<Prediction> published,
      Map<String, byte[]> pixels,
      Map<String, Integer> truth,
      MonitoringReference reference) {
    MonitorTally tally = new MonitorTally();
    for (Prediction p : published) {
      InputStats stats = reference == null ? null : InputStats.of(pixels.get(p.id()));
      tally.addPrediction(p, stats, reference);
      Integer label = truth.get(p.id());
      if (label != null) {
        tally.addPair(
            new LabelledPrediction(
                p.id(),
                p.modelVersion(),
                label,
                p.digit(),
                p.imageTimestamp(),
                (int) WindowMonitor.micros(p.confidence())));
      }
    }
    return tally.toMonitor();
  }
}
