package io.digitstream.streams.web;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.WindowKind;
import io.digitstream.streams.accuracy.VersionSummary;
import io.digitstream.streams.metrics.InstanceStats;
import io.digitstream.streams.models.FleetModels;
import io.digitstream.streams.models.ModelStatus;
import io.digitstream.streams.monitor.AlertQueries;
import io.digitstream.streams.monitor.ImageKind;
import io.digitstream.streams.monitor.ImageList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What the REST server serves, implemented by the running application. {@code localOnly} marks a
 * request forwarded by another instance: answer from this instance's state, never forward again.
 */
public interface Backend {
  KafkaStreams.State state();

  Summary summary();

  List<String> versions(boolean localOnly);

  Optional<VersionSummary> version(String modelVersion, boolean localOnly);

  Optional<AccuracyWindow> cumulative(String modelVersion, boolean localOnly);

  List<AccuracyWindow> windows(String modelVersion, WindowKind kind, int limit, boolean localOnly);

  InstanceStats localStats();

  /**
   * At most {@code limit} images of the page's ring of {@code kind}, newest first: this instance's
   * own if {@code localOnly}, else every instance's, merged.
   */
  ImageList images(ImageKind kind, int limit, boolean localOnly);

  /** Every alert's current state, from this instance's copy of the alerts topic. */
  AlertQueries.AlertList alerts();

  /** The model serving on this instance and what became of the latest announcement. */
  ModelStatus model();

  /** This instance's models, as other instances ask for them ({@code GET /api/models}). */
  FleetModels.Report models();

  /** Every metric in the Prometheus text format. */
  String prometheus();
}
