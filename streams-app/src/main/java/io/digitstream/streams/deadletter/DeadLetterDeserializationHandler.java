package io.digitstream.streams.deadletter;

import io.digitstream.streams.metrics.AppMetrics;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a record that cannot be deserialized (not JSON, wrong fields, wrong pixel count, null,
 * oversized, ...) to the dead-letter topic with its original bytes and the reason, and goes on with
 * the next record. Kafka Streams sends the dead letter with the task's producer, so under
 * exactly-once it is part of the same transaction as the skipped record's offset.
 */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);
  private String deadLetterTopic;
  private Optional<AppMetrics> metrics = Optional.empty();

  @Override
  public void configure(Map<String, ?> configs) {
    deadLetterTopic = DeadLetters.topic(configs);
    metrics = DeadLetters.metrics(configs);
  }

  @Override
  public Response handleError(
      ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
    log.warn(
        "Dead-lettering {}-{}@{}: {}",
        record.topic(),
        record.partition(),
        record.offset(),
        DeadLetters.reason(exception));
    metrics.ifPresent(m -> m.deadLetter(AppMetrics.DeadLetterStage.DESERIALIZATION));
    return Response.resume(
        List.of(
            DeadLetters.of(
                deadLetterTopic,
                record.key(),
                record.value(),
                record.headers(),
                record.timestamp(),
                record.topic(),
                record.partition(),
                record.offset(),
                exception)));
  }
}
