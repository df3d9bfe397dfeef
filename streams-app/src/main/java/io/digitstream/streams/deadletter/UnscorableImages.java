package io.digitstream.streams.deadletter;

import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.scoring.BatchScorer;
import io.digitstream.streams.scoring.ScoredImage;
import io.digitstream.streams.scoring.ScoringException;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Turns the images that every model failed on alone, which {@link BatchScorer} sends to its {@value
 * BatchScorer#UNSCORABLE} child, into dead letters: the image's JSON as the value, and the usual
 * dead-letter headers with the reason. The image waited in the pending store, so its source offset
 * is not known: {@code __streams.errors.offset} is -1, the partition is the task's. Every other
 * record the scorer emits is a prediction and is dropped here.
 */
public final class UnscorableImages implements FixedKeyProcessor<String, ScoredImage, byte[]> {
  private final String imagesTopic;
  private final AppMetrics metrics;
  private FixedKeyProcessorContext<String, byte[]> context;

  public UnscorableImages(String imagesTopic, AppMetrics metrics) {
    this.imagesTopic = imagesTopic;
    this.metrics = metrics;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, byte[]> context) {
    this.context = context;
  }

  @Override
  public void process(FixedKeyRecord<String, ScoredImage> record) {
    if (!BatchScorer.isUnscorable(record.headers())) {
      return;
    }
    byte[] image = record.headers().lastHeader(BatchScorer.UNSCORABLE_IMAGE_HEADER).value();
    Header reason = record.headers().lastHeader(BatchScorer.UNSCORABLE_REASON_HEADER);
    metrics.deadLetter(AppMetrics.DeadLetterStage.PROCESSING);
    context.forward(
        record
            .withValue(image)
            .withHeaders(
                DeadLetters.headers(
                    null,
                    ScoringException.class.getName(),
                    reason == null ? "" : new String(reason.value(), StandardCharsets.UTF_8),
                    null,
                    imagesTopic,
                    context.taskId().partition(),
                    -1)));
  }
}
