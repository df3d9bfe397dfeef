package io.digitstream.streams.scoring;

import io.digitstream.record.Prediction;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Lets through only the active model's predictions, or only the shadow model's, as told apart by
 * {@link BatchScorer#ROLE_HEADER}: the scorer emits both on one stream so that both reach the label
 * join, and this splits them for their topics.
 */
public final class PredictionRole implements FixedKeyProcessor<String, Prediction, Prediction> {
  private final boolean shadow;
  private FixedKeyProcessorContext<String, Prediction> context;

  private PredictionRole(boolean shadow) {
    this.shadow = shadow;
  }

  /** Passes the active model's predictions. */
  public static PredictionRole active() {
    return new PredictionRole(false);
  }

  /** Passes the shadow model's predictions. */
  public static PredictionRole shadow() {
    return new PredictionRole(true);
  }

  @Override
  public void init(FixedKeyProcessorContext<String, Prediction> context) {
    this.context = context;
  }

  @Override
  public void process(FixedKeyRecord<String, Prediction> record) {
    if (BatchScorer.isShadow(record.headers()) == shadow) {
      context.forward(record);
    }
  }
}
