package io.digitstream.streams.deadletter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.record.InvalidRecordException;
import io.digitstream.streams.scoring.ScoringException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.Response;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.Result;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeadLetterProcessingHandlerTest {
  private static final byte[] RAW_KEY = bytes("raw-key");
  private static final byte[] RAW_VALUE = bytes("{\"id\":\"other\"}");

  private final DeadLetterProcessingHandler handler = new DeadLetterProcessingHandler();

  @BeforeEach
  void configure() {
    handler.configure(Map.of("errors.dead.letter.queue.topic.name", "dlq"));
  }

  @Test
  void deadLettersARefusedRecordWithItsSourceBytesAndReason() {
    Response response =
        handler.handleError(
            context(RAW_KEY, RAW_VALUE),
            new Record<>("raw-key", "decoded", 5L),
            new InvalidRecordException("key 'raw-key' differs from the image id 'other'"));

    assertThat(response.result()).isEqualTo(Result.RESUME);
    assertThat(response.deadLetterQueueRecords()).hasSize(1);
    ProducerRecord<byte[], byte[]> letter = response.deadLetterQueueRecords().get(0);
    assertThat(letter.topic()).isEqualTo("dlq");
    assertThat(letter.key()).isEqualTo(RAW_KEY);
    assertThat(letter.value()).isEqualTo(RAW_VALUE);
    assertThat(letter.timestamp()).isEqualTo(42L);
    assertThat(header(letter, DeadLetters.MESSAGE))
        .isEqualTo("key 'raw-key' differs from the image id 'other'");
    assertThat(header(letter, DeadLetters.EXCEPTION))
        .isEqualTo(InvalidRecordException.class.getName());
    assertThat(header(letter, DeadLetters.TOPIC)).isEqualTo("digits.images");
    assertThat(header(letter, DeadLetters.PARTITION)).isEqualTo("3");
    assertThat(header(letter, DeadLetters.OFFSET)).isEqualTo("17");
    assertThat(header(letter, "trace-id")).isEqualTo("t-1");
  }

  @Test
  void failsOnAnUnexpectedExceptionInsteadOfBlamingTheRecord() {
    Response response =
        handler.handleError(
            context(RAW_KEY, RAW_VALUE), new Record<>("k", "v", 5L), new NullPointerException());

    assertThat(response.result()).isEqualTo(Result.FAIL);
    assertThat(response.deadLetterQueueRecords()).isEmpty();
  }

  @Test
  void failsWhenAStateStoreFails() {
    Response response =
        handler.handleError(
            context(RAW_KEY, RAW_VALUE),
            new Record<>("k", "v", 5L),
            new ProcessorStateException("Error while putting key into store: No space left"));

    assertThat(response.result()).isEqualTo(Result.FAIL);
    assertThat(response.deadLetterQueueRecords()).isEmpty();
  }

  @Test
  void stopsTheThreadWhenTheModelFailsInsteadOfBlamingARecord() {
    Response response =
        handler.handleError(
            context(RAW_KEY, RAW_VALUE),
            new Record<>("k", "v", 5L),
            new ScoringException("model x failed", new IllegalStateException("native")));

    assertThat(response.result()).isEqualTo(Result.FAIL);
    assertThat(response.deadLetterQueueRecords()).isEmpty();
  }

  @Test
  void failsWhenARecordIsRefusedAfterTheChecksWhereTheSourceRecordIsNotTheRecordInHand() {
    Response response =
        handler.handleError(
            context("count-pairs", "digits.images", 17, RAW_KEY, RAW_VALUE),
            new Record<>("k", "v", 5L),
            new InvalidRecordException("refused"));

    assertThat(response.result()).isEqualTo(Result.FAIL);
  }

  @Test
  void stopsTheThreadWhenAPunctuationFails() {
    Response response =
        handler.handleError(context(null, null), null, new IllegalStateException("flush"));

    assertThat(response.result()).isEqualTo(Result.FAIL);
  }

  @Test
  void neverWritesADeadLetterWithoutTheSourceRecord() {
    // A record forwarded from a punctuation: Kafka Streams' context has no topic, offset or bytes.
    Response response =
        handler.handleError(
            context("check-key", null, -1, null, null),
            new Record<>("k", "v", 5L),
            new InvalidRecordException("refused"));

    assertThat(response.result()).isEqualTo(Result.FAIL);
    assertThat(response.deadLetterQueueRecords()).isEmpty();
  }

  @Test
  void refusesToRunWithoutADeadLetterTopic() {
    assertThatThrownBy(() -> new DeadLetterProcessingHandler().configure(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("errors.dead.letter.queue.topic.name");
  }

  private static ErrorHandlerContext context(byte[] rawKey, byte[] rawValue) {
    return context("check-key", "digits.images", 17, rawKey, rawValue);
  }

  private static ErrorHandlerContext context(
      String node, String topic, long offset, byte[] rawKey, byte[] rawValue) {
    Headers headers = new RecordHeaders().add("trace-id", bytes("t-1"));
    return new ErrorHandlerContext() {
      @Override
      public String topic() {
        return topic;
      }

      @Override
      public int partition() {
        return 3;
      }

      @Override
      public long offset() {
        return offset;
      }

      @Override
      public Headers headers() {
        return headers;
      }

      @Override
      public String processorNodeId() {
        return node;
      }

      @Override
      public TaskId taskId() {
        return new TaskId(0, 3);
      }

      @Override
      public long timestamp() {
        return 42;
      }

      @Override
      public byte[] sourceRawKey() {
        return rawKey;
      }

      @Override
      public byte[] sourceRawValue() {
        return rawValue;
      }
    };
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
