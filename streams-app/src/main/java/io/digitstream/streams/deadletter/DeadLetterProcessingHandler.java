package io.digitstream.streams.deadletter;

import io.digitstream.record.InvalidRecordException;
import io.digitstream.streams.metrics.AppMetrics;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a record that a check refused (e.g. an image keyed by something other than its id) to the
 * dead-letter topic with its original source bytes and the reason, and goes on. Every other failure
 * fails the task, so that under exactly-once its transaction aborts and the records are processed
 * again after the restart.
 *
 * <p>Kafka Streams calls this handler for the innermost processor that threw, with the record that
 * processor was given, but with the context (bytes, topic, offset) of the source record being
 * processed. The two are the same record only in a processor that works on the record in hand
 * before any batching or joining: the checks, named {@value #CHECK_PREFIX}{@code *}, which sit
 * right after the sources. So a record is dead-lettered only when
 *
 * <ul>
 *   <li>the exception is an {@link InvalidRecordException}, the domain's "this record is wrong";
 *   <li>a check threw it; and
 *   <li>the context holds the source record: its topic, offset and value bytes.
 * </ul>
 *
 * <p>Everything else is not the fault of the record in hand: a failure while the scorer forwards a
 * batch (it would blame the image that filled the batch), anything from a punctuation (no source
 * record: its dead letter would have no bytes, no topic and offset -1), a lost state store ({@code
 * ProcessorStateException}, e.g. a full disk: resuming would commit the lost state as if a record
 * were bad), a model failure ({@code ScoringException}), or any unexpected exception.
 */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {
  /** Name prefix of the processors that validate the record in hand; only they dead-letter. */
  public static final String CHECK_PREFIX = "check-";

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
    if (!isRefusedRecord(context, record, exception)) {
      log.error(
          "Failing task {}: processor {} failed while processing {}; not a fault of the record in"
              + " hand, so nothing is dead-lettered and the task's uncommitted work is redone",
          context.taskId(),
          context.processorNodeId(),
          context.topic() == null
              ? "a punctuation"
              : context.topic() + "-" + context.partition() + "@" + context.offset(),
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

  /** Whether a check refused the source record, and the context has that record to send. */
  static boolean isRefusedRecord(
      ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
    String node = context.processorNodeId();
    return exception instanceof InvalidRecordException
        && record != null
        && node != null
        && node.startsWith(CHECK_PREFIX)
        && context.topic() != null
        && context.offset() >= 0
        && context.sourceRawValue() != null;
  }
}
