package io.digitstream.streams.accuracy;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.model.MonitoringReference;
import io.digitstream.record.DigitLabel;
import io.digitstream.record.Prediction;
import io.digitstream.streams.deadletter.KeyMatchesId;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.monitor.ImageRings;
import io.digitstream.streams.monitor.MonitorSettings;
import io.digitstream.streams.scoring.ScoredImage;
import io.digitstream.topic.Topics;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The accuracy branch of the topology: predictions (straight from the scorer, not re-read from
 * their topic) and labels are joined by image id, the pairs counted per task and time bucket, and
 * the counts summed per model version into the cumulative, tumbling and hopping confusion matrices.
 * See docs/architecture.md, section Rolling accuracy.
 */
public final class AccuracyTopology {
  /**
   * This instance's copy of the accuracy topic as committed (a global store, fed by every task's
   * output), keyed as the topic is.
   */
  public static final String COMMITTED_STORE = "accuracy-committed";

  /**
   * Name of the repartition step; its topic is {@code
   * <application.id>-accuracy-deltas-repartition}.
   */
  public static final String DELTAS = "accuracy-deltas";

  private final Topics topics;
  private final AccuracySettings settings;
  private final MonitorSettings monitoring;
  private final Function<String, Optional<MonitoringReference>> references;
  private final ImageRings rings;
  private final AppMetrics metrics;

  public AccuracyTopology(
      Topics topics,
      AccuracySettings settings,
      MonitorSettings monitoring,
      Function<String, Optional<MonitoringReference>> references,
      ImageRings rings,
      AppMetrics metrics) {
    this.rings = rings;
    this.topics = topics;
    this.settings = settings;
    this.monitoring = monitoring;
    this.references = references;
    this.metrics = metrics;
  }

  /**
   * Adds the branch to {@code builder}, fed by the scorer's output: {@code scored} for the
   * monitoring counts of every prediction, {@code predictions} for the join.
   *
   * @return the accuracy windows as they are emitted to the accuracy topic
   */
  public KStream<String, AccuracyWindow> attach(
      StreamsBuilder builder,
      KStream<String, ScoredImage> scored,
      KStream<String, Prediction> predictions) {
    Topics.Topic<DigitLabel> labels = topics.labels();
    Topics.Topic<AccuracyWindow> accuracy = topics.accuracy();

    KStream<String, JoinInput> truth =
        builder.stream(
                labels.name(),
                Consumed.with(labels.keySerde(), labels.valueSerde()).withName("labels"))
            // A label must sit on its image's partition to meet the prediction.
            .processValues(KeyMatchesId::labels, Named.as("check-label-key"))
            // Event time drives the join and the windows: no label from the future.
            .processValues(
                () -> new FutureTimestampCheck<DigitLabel>(settings.maxFuture()),
                Named.as("check-label-time"))
            .mapValues(JoinInput.Labelled::new, Named.as("as-join-label"));
    // Every prediction counts towards its window's estimated accuracy, drift and OOD figures.
    KStream<String, AccuracyDelta> predictionDeltas =
        scored.process(DeltaCounter.predictions(settings), Named.as("count-predictions"));
    KStream<String, AccuracyWindow> windows =
        predictions
            .<JoinInput>mapValues(JoinInput.Scored::new, Named.as("as-join-prediction"))
            .merge(truth, Named.as("join-inputs"))
            // Each prediction meets its image's label, whichever came first.
            .process(LabelJoin.supplier(settings, metrics, rings), Named.as("label-join"))
            // Pairs become per-task deltas per model version and time bucket.
            .process(DeltaCounter.pairs(settings), Named.as("count-pairs"))
            .merge(predictionDeltas, Named.as("all-deltas"))
            // All deltas of a model version meet on one partition.
            .repartition(
                Repartitioned.<String, AccuracyDelta>as(DELTAS)
                    .withKeySerde(Serdes.String())
                    .withValueSerde(new AccuracyDelta.BinarySerde()))
            // Deltas add up to the cumulative, tumbling and hopping matrices.
            .process(
                AccuracyWindows.supplier(settings, monitoring, references, metrics),
                Named.as("accuracy-windows"));
    windows.to(
        accuracy.name(),
        Produced.with(accuracy.keySerde(), accuracy.valueSerde()).withName("accuracy"));
    // Every instance keeps what was committed to the accuracy topic: the cumulative matrix is
    // answered whole by any instance at any moment, however its owning task moves or rolls back.
    builder.globalTable(
        accuracy.name(),
        Consumed.with(accuracy.keySerde(), accuracy.valueSerde()).withName("committed-accuracy"),
        Materialized.<String, AccuracyWindow, KeyValueStore<Bytes, byte[]>>as(COMMITTED_STORE)
            .withKeySerde(accuracy.keySerde())
            .withValueSerde(accuracy.valueSerde()));
    return windows;
  }
}
