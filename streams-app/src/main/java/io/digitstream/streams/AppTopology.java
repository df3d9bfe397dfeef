package io.digitstream.streams;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.record.DigitImage;
import io.digitstream.record.Prediction;
import io.digitstream.streams.accuracy.AccuracySettings;
import io.digitstream.streams.accuracy.AccuracyTopology;
import io.digitstream.streams.accuracy.FutureTimestampCheck;
import io.digitstream.streams.deadletter.KeyMatchesId;
import io.digitstream.streams.deadletter.UnscorableImages;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.monitor.AlertTopology;
import io.digitstream.streams.monitor.ImageRings;
import io.digitstream.streams.monitor.MonitorSettings;
import io.digitstream.streams.scoring.BatchScorer;
import io.digitstream.streams.scoring.Batching;
import io.digitstream.streams.scoring.ClassifierPool;
import io.digitstream.streams.scoring.PredictionRole;
import io.digitstream.streams.scoring.ScoredImage;
import io.digitstream.topic.Topics;
import java.util.Properties;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The whole streams application as one topology, built without side effects so that tests drive
 * exactly what production runs. Each branch is one private method or class; the accuracy branch
 * takes the predictions straight from the scorer.
 *
 * <p>Records that cannot be scored never appear as nodes here: Kafka Streams hands them to the
 * configured deserialization and processing exception handlers, which send them to the dead-letter
 * topic (see {@code io.digitstream.streams.deadletter}). The processors that refuse a record are
 * named {@code check-*} and come right after their source, before any batching or joining, so that
 * the record they refuse is the one Kafka Streams read: only their refusals become dead letters.
 */
public final class AppTopology {
  private final Topics topics;
  private final Batching batching;
  private final ClassifierPool classifiers;
  private final AccuracySettings accuracy;
  private final MonitorSettings monitoring;
  private final ImageRings rings;
  private final AppMetrics metrics;

  public AppTopology(
      Topics topics,
      Batching batching,
      ClassifierPool classifiers,
      AccuracySettings accuracy,
      MonitorSettings monitoring,
      ImageRings rings,
      AppMetrics metrics) {
    this.rings = rings;
    this.topics = topics;
    this.batching = batching;
    this.classifiers = classifiers;
    this.accuracy = accuracy;
    this.monitoring = monitoring;
    this.metrics = metrics;
  }

  /**
   * Builds the topology for the given Kafka Streams properties (topology-level settings such as
   * explicit naming of internal resources are read from them).
   */
  public Topology build(Properties streamsProperties) {
    StreamsBuilder builder =
        new StreamsBuilder(new TopologyConfig(new StreamsConfig(streamsProperties)));
    Scoring scoring = scoring(builder);
    KStream<String, AccuracyWindow> windows =
        new AccuracyTopology(topics, accuracy, monitoring, classifiers::monitoring, rings, metrics)
            .attach(builder, scoring.scored(), scoring.predictions());
    new AlertTopology(topics, monitoring, accuracy.tumbling(), classifiers::monitoring, metrics)
        .attach(builder, windows);
    return builder.build(streamsProperties);
  }

  /**
   * Images in, one prediction per image out, keyed by the image id; in shadow mode also one
   * prediction of the candidate per image, on its own topic. Both reach the label join.
   */
  private Scoring scoring(StreamsBuilder builder) {
    Topics.Topic<DigitImage> images = topics.images();
    Topics.Topic<Prediction> predictions = topics.predictions();
    Topics.Topic<Prediction> shadowPredictions = topics.shadowPredictions();
    KStream<String, ScoredImage> scoredImages =
        builder.stream(
                images.name(),
                Consumed.with(images.keySerde(), images.valueSerde()).withName("images"))
            // An image is only scored under its own id: the key places its prediction and label.
            .processValues(KeyMatchesId::images, Named.as("check-key"))
            // Event time drives the join and the windows: no image from the future.
            .processValues(
                () -> new FutureTimestampCheck<DigitImage>(accuracy.maxFuture()),
                Named.as("check-image-time"))
            // Micro-batches through this thread's network; pending images survive crashes.
            .process(
                BatchScorer.supplier(batching, classifiers, metrics, rings), Named.as("score"));
    KStream<String, Prediction> scored =
        scoredImages.mapValues(s -> s == null ? null : s.prediction(), Named.as("as-prediction"));
    // The active model's predictions are the application's answer.
    scored
        .processValues(PredictionRole::active, Named.as("active-only"))
        .to(
            predictions.name(),
            Produced.with(predictions.keySerde(), predictions.valueSerde())
                .withName("predictions"));
    // A candidate's predictions, for comparison only.
    scored
        .processValues(PredictionRole::shadow, Named.as("shadow-only"))
        .to(
            shadowPredictions.name(),
            Produced.with(shadowPredictions.keySerde(), shadowPredictions.valueSerde())
                .withName("shadow-predictions"));
    // Images that every model fails on, even alone: dead letters with the reason.
    Topics.Topic<byte[]> deadLetters = topics.deadLetters();
    scoredImages
        .processValues(
            () -> new UnscorableImages(images.name(), metrics), Named.as(BatchScorer.UNSCORABLE))
        .to(
            deadLetters.name(),
            Produced.with(deadLetters.keySerde(), deadLetters.valueSerde())
                .withName("unscorable-dead-letters"));
    return new Scoring(scoredImages, scored);
  }

  /** The scorer's output, with and without each image's monitoring figures. */
  private record Scoring(
      KStream<String, ScoredImage> scored, KStream<String, Prediction> predictions) {}
}
