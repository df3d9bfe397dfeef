package io.digitstream.streams.deadletter;

import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.scoring.ScoringException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a record that a processor refused (e.g. an image keyed by something other than its id) to
 * the dead-letter topic with its original source bytes and the reason, and goes on.
 *
 * <p>Two kinds of failure are not a bad record and stop the stream thread instead: a {@link
 * ScoringException} (the model failed on validated images; dead-lettering the record that happened
 * to fill the batch would blame the wrong image) and a failure in a punctuation, which has no
 * source record. Under exactly-once the aborted transaction keeps their images pending.
 */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);
  private String deadLetterTopic;
  private Optional<AppMetrics> metrics = Optional.empty();

  @Override
  public void configure(Map<String, ?> configs) {
    deadLetterTopic = DeadLetters.topic(configs);
    metrics = DeadLetters.metrics(configs);
  }

  @Override
  public Response handleError(
      ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
    if (record == null || isScoringFailure(exception)) {
      log.error(
          "Scoring failed in processor {} of task {}; stopping the stream thread",
          context.processorNodeId(),
          context.taskId(),
          exception);
      return Response.fail();
    }
    log.warn(
        "Dead-lettering {}-{}@{} refused by {}: {}",
        context.topic(),
        context.partition(),
        context.offset(),
        context.processorNodeId(),
        DeadLetters.reason(exception));
    metrics.ifPresent(m -> m.deadLetter(AppMetrics.DeadLetterStage.PROCESSING));
    return Response.resume(
        List.of(
            DeadLetters.of(
                deadLetterTopic,
                context.sourceRawKey(),
                context.sourceRawValue(),
                context.headers(),
                context.timestamp(),
                context.topic(),
                context.partition(),
                context.offset(),
                exception)));
  }

  private static boolean isScoringFailure(Throwable exception) {
    for (Throwable t = exception; t != null; t = t.getCause()) {
      if (t instanceof ScoringException) {
        return true;
      }
    }
    return false;
  }
}
