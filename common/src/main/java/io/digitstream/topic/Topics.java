package io.digitstream.topic;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.record.Alert;
import io.digitstream.record.Codec;
import io.digitstream.record.DigitImage;
import io.digitstream.record.DigitLabel;
import io.digitstream.record.JsonSerde;
import io.digitstream.record.ModelAnnouncement;
import io.digitstream.record.Prediction;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The one place that pairs each topic with its serdes. Keys are image ids (UTF-8 strings) on every
 * image-keyed topic, so images, labels and predictions of one id share a partition.
 */
public final class Topics {
  private final TopicNames names;

  public Topics(TopicNames names) {
    this.names = names;
  }

  public TopicNames names() {
    return names;
  }

  /** Images to score: key = image id, value = {@link DigitImage} JSON. */
  public Topic<DigitImage> images() {
    return new Topic<>(names.images(), new JsonSerde<>(Codec.images()));
  }

  /** True labels: key = image id, value = {@link DigitLabel} JSON. */
  public Topic<DigitLabel> labels() {
    return new Topic<>(names.labels(), new JsonSerde<>(Codec.labels()));
  }

  /** Predictions: key = image id, value = {@link Prediction} JSON. */
  public Topic<Prediction> predictions() {
    return new Topic<>(names.predictions(), new JsonSerde<>(Codec.predictions()));
  }

  /** A shadow model's predictions: key = image id, value = {@link Prediction} JSON. */
  public Topic<Prediction> shadowPredictions() {
    return new Topic<>(names.shadowPredictions(), new JsonSerde<>(Codec.predictions()));
  }

  /**
   * Model announcements (compacted): key = role ({@code active}), value = {@link ModelAnnouncement}
   * JSON, so the latest announcement per role is what the topic keeps.
   */
  public Topic<ModelAnnouncement> models() {
    return new Topic<>(names.models(), new JsonSerde<>(Codec.modelAnnouncements()));
  }

  /**
   * Accuracy windows (compacted, old windows deleted): key = {@link AccuracyWindow#key()}, value =
   * {@link AccuracyWindow} JSON, so the latest result per model version and window is kept.
   */
  public Topic<AccuracyWindow> accuracy() {
    return new Topic<>(names.accuracy(), new JsonSerde<>(Codec.accuracyWindows()));
  }

  /** Alert states, the latest per key kept (see {@link Alert}). */
  public Topic<Alert> alerts() {
    return new Topic<>(names.alerts(), new JsonSerde<>(Codec.alerts()));
  }

  /** Images that could not be scored, original bytes untouched, reason in headers. */
  public Topic<byte[]> deadLetters() {
    return new Topic<>(names.deadLetters(), Serdes.ByteArray());
  }

  /** A topic's name with its key and value serdes. */
  public record Topic<V>(String name, Serde<V> valueSerde) {
    public Serde<String> keySerde() {
      return Serdes.String();
    }
  }
}
