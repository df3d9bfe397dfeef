package io.digitstream.streams.deadletter;

import io.digitstream.record.InvalidRecordException;
import io.digitstream.streams.metrics.AppMetrics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Builds dead-letter records: the original key and value bytes untouched, the original headers, and
 * headers saying why and where from. The header names are the ones Kafka Streams' own KIP-1034
 * handlers write, so tools built for those read ours too.
 */
public final class DeadLetters {
  /** Class name of the exception. */
  public static final String EXCEPTION = "__streams.errors.exception";

  /** The reason, for a person: for a bad record, the {@link InvalidRecordException} message. */
  public static final String MESSAGE = "__streams.errors.message";

  /** Stack trace, only for unexpected exceptions; a bad record's reason is its message. */
  public static final String STACKTRACE = "__streams.errors.stacktrace";

  /** Topic the record was read from. */
  public static final String TOPIC = "__streams.errors.topic";

  /** Partition the record was read from, as a decimal string. */
  public static final String PARTITION = "__streams.errors.partition";

  /** Offset of the record, as a decimal string. */
  public static final String OFFSET = "__streams.errors.offset";

  private DeadLetters() {}

  /** The dead-letter topic from the handler's configuration; fails if it is not set. */
  static String topic(Map<String, ?> configs) {
    Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
    if (topic == null || topic.toString().isBlank()) {
      throw new ConfigException(
          StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG,
          topic,
          "the dead-letter topic is required by the digitstream exception handlers");
    }
    return topic.toString();
  }

  /**
   * The running application's metrics, handed over through the configuration; absent when a handler
   * runs outside the application (tests, tools).
   */
  static Optional<AppMetrics> metrics(Map<String, ?> configs) {
    return configs.get(AppMetrics.CONFIG_KEY) instanceof AppMetrics metrics
        ? Optional.of(metrics)
        : Optional.empty();
  }

  /** A dead letter for a record read from {@code topic}-{@code partition} at {@code offset}. */
  static ProducerRecord<byte[], byte[]> of(
      String deadLetterTopic,
      byte[] key,
      byte[] value,
      Headers originalHeaders,
      long timestamp,
      String topic,
      int partition,
      long offset,
      Exception exception) {
    Headers headers =
        headers(
            originalHeaders,
            exception.getClass().getName(),
            reason(exception),
            exception instanceof InvalidRecordException ? null : stackTrace(exception),
            topic,
            partition,
            offset);
    // A negative timestamp is refused by the producer; the broker then stamps the dead letter.
    Long keptTimestamp = timestamp >= 0 ? timestamp : null;
    return new ProducerRecord<>(deadLetterTopic, null, keptTimestamp, key, value, headers);
  }

  /**
   * The original headers followed by the dead-letter headers; {@code stackTrace} may be null (a bad
   * record's reason is its message).
   */
  static Headers headers(
      Headers originalHeaders,
      String exceptionClass,
      String reason,
      String stackTrace,
      String topic,
      int partition,
      long offset) {
    Headers headers = new RecordHeaders();
    if (originalHeaders != null) {
      for (Header header : originalHeaders) {
        headers.add(header);
      }
    }
    add(headers, EXCEPTION, exceptionClass);
    add(headers, MESSAGE, reason);
    if (stackTrace != null) {
      add(headers, STACKTRACE, stackTrace);
    }
    add(headers, TOPIC, topic);
    add(headers, PARTITION, String.valueOf(partition));
    add(headers, OFFSET, String.valueOf(offset));
    return headers;
  }

  /** The exception's message, or its class name when it has none. */
  static String reason(Exception exception) {
    String message = exception.getMessage();
    return message == null || message.isBlank() ? exception.getClass().getSimpleName() : message;
  }

  private static void add(Headers headers, String name, String value) {
    headers.add(name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
  }

  private static String stackTrace(Exception exception) {
    StringWriter out = new StringWriter();
    exception.printStackTrace(new PrintWriter(out));
    return out.toString();
  }
}
