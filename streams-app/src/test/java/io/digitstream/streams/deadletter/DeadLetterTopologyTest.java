package io.digitstream.streams.deadletter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.record.DigitImage;
import io.digitstream.record.InvalidRecordException;
import io.digitstream.record.Prediction;
import io.digitstream.streams.Fixtures;
import io.digitstream.streams.StreamsSettings;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.scoring.BatchScorer;
import io.digitstream.streams.scoring.ScoredImage;
import io.digitstream.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which failures become dead letters, under the real Kafka Streams error path: the scorer's batches
 * with a processor after them that fails on demand, the way the label join, the pair counting or a
 * sink could. Only a record refused by a check is dead-lettered; anything else fails the task.
 */
class DeadLetterTopologyTest {
  private static final Instant START = Instant.parse("2026-11-22T04:00:00Z");
  private static final Duration WAIT = Duration.ofMillis(20);
  private static final String OUT = "test.predictions";

  @TempDir Path stateDir;
  private final AppMetrics metrics = new AppMetrics();
  // Image id -> what the processor in hand (right after the key check) throws for it.
  private final Map<String, RuntimeException> inHandFailures = new HashMap<>();
  // Image id -> what the processor after the scorer throws for its prediction.
  private final Map<String, RuntimeException> downstreamFailures = new HashMap<>();
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> images;
  private TestOutputTopic<byte[], byte[]> deadLetters;
  private TestOutputTopic<byte[], byte[]> predictions;

  @BeforeEach
  void start() {
    StreamsSettings settings =
        StreamsSettings.load(
            null,
            Map.of(),
            Map.of(
                StreamsSettings.BATCH_MAX_SIZE,
                "4",
                StreamsSettings.BATCH_MAX_WAIT_MS,
                String.valueOf(WAIT.toMillis()),
                StreamsConfig.STATE_DIR_CONFIG,
                stateDir.toString(),
                // The driver drops dead letters sent outside processing under exactly-once.
                StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                StreamsConfig.AT_LEAST_ONCE));
    Properties props = settings.kafka();
    Topics.Topic<DigitImage> in = settings.topics().images();
    Topics.Topic<Prediction> out = settings.topics().predictions();
    StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(props)));
    builder.stream(in.name(), Consumed.with(in.keySerde(), in.valueSerde()).withName("images"))
        .processValues(KeyMatchesId::images, Named.as("check-key"))
        .processValues(() -> new FailOn<DigitImage>(inHandFailures), Named.as("remember-image"))
        .process(
            BatchScorer.supplier(settings.batching(), Fixtures.classifiers(), metrics),
            Named.as("score"))
        .processValues(() -> new FailOn<ScoredImage>(downstreamFailures), Named.as("count-pairs"))
        .mapValues(s -> s == null ? null : s.prediction(), Named.as("as-prediction"))
        .to(OUT, Produced.with(out.keySerde(), out.valueSerde()).withName("predictions"));
    driver = new TopologyTestDriver(builder.build(props), props, START);
    images = driver.createInputTopic(in.name(), new StringSerializer(), new ByteArraySerializer());
    deadLetters =
        driver.createOutputTopic(
            settings.topics().names().deadLetters(),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    predictions =
        driver.createOutputTopic(OUT, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void close() {
    driver.close();
    metrics.close();
  }

  @Test
  void failsTheTaskInsteadOfBlamingTheImageThatFilledTheBatchWhenADownstreamProcessorFails() {
    downstreamFailures.put("img-1", new IllegalStateException("pair counting failed"));
    for (int i = 0; i < 3; i++) {
      send("img-" + i);
    }

    // img-3 fills the batch; the failure is about img-1's prediction, not about img-3.
    assertThatThrownBy(() -> send("img-3"))
        .isInstanceOf(StreamsException.class)
        .hasRootCauseMessage("pair counting failed");
    assertThat(deadLetters.readRecordsToList()).isEmpty();
  }

  @Test
  void failsTheTaskWhenABatchForwardedFromThePunctuationFails() {
    downstreamFailures.put("img-0", new IllegalStateException("sink failed"));
    send("img-0");

    // The partial batch is flushed by the wall-clock punctuation: there is no source record.
    assertThatThrownBy(() -> driver.advanceWallClockTime(WAIT))
        .isInstanceOf(StreamsException.class)
        .hasRootCauseMessage("sink failed");
    assertThat(deadLetters.readRecordsToList()).isEmpty();
  }

  @Test
  void failsTheTaskWhenAStateStoreFailsInsteadOfCommittingTheLossAsABadRecord() {
    inHandFailures.put(
        "img-0", new ProcessorStateException("Error while putting into store: No space left"));

    assertThatThrownBy(() -> send("img-0"))
        .isInstanceOf(StreamsException.class)
        .hasRootCauseInstanceOf(ProcessorStateException.class);
    assertThat(deadLetters.readRecordsToList()).isEmpty();
  }

  @Test
  void failsTheTaskWhenARecordIsCalledInvalidOutsideTheChecksOfTheRecordInHand() {
    // After the batch, an InvalidRecordException cannot be about the image that filled it.
    downstreamFailures.put("img-1", new InvalidRecordException("prediction refused"));
    for (int i = 0; i < 3; i++) {
      send("img-" + i);
    }

    assertThatThrownBy(() -> send("img-3")).isInstanceOf(StreamsException.class);
    assertThat(deadLetters.readRecordsToList()).isEmpty();
  }

  @Test
  void deadLettersARecordRefusedByACheckWithItsOriginalBytesAndSourceAndGoesOn() {
    send("img-0");
    byte[] refused = Fixtures.json(Fixtures.image("img-other", 1));
    images.pipeInput("img-1", refused, START);
    for (int i = 2; i < 5; i++) {
      send("img-" + i);
    }

    List<TestRecord<byte[], byte[]>> letters = deadLetters.readRecordsToList();
    assertThat(letters).hasSize(1);
    TestRecord<byte[], byte[]> letter = letters.get(0);
    assertThat(letter.key()).isEqualTo(bytes("img-1"));
    assertThat(letter.value()).isEqualTo(refused);
    assertThat(header(letter, DeadLetters.EXCEPTION))
        .isEqualTo(InvalidRecordException.class.getName());
    assertThat(header(letter, DeadLetters.MESSAGE))
        .isEqualTo("key 'img-1' differs from the image id 'img-other'");
    assertThat(header(letter, DeadLetters.TOPIC)).isEqualTo("digits.images");
    assertThat(header(letter, DeadLetters.PARTITION)).isEqualTo("0");
    assertThat(header(letter, DeadLetters.OFFSET)).isEqualTo("1");
    assertThat(predictions.readRecordsToList()).hasSize(4);
  }

  private void send(String id) {
    images.pipeInput(id, Fixtures.json(Fixtures.image(id, id.hashCode() & 63)), START);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String header(TestRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** Passes records on, and throws the planned exception for the ids listed in {@code failures}. */
  private static final class FailOn<V> implements FixedKeyProcessor<String, V, V> {
    private final Map<String, RuntimeException> failures;
    private FixedKeyProcessorContext<String, V> context;

    FailOn(Map<String, RuntimeException> failures) {
      this.failures = failures;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, V> context) {
      this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, V> record) {
      RuntimeException failure = failures.get(record.key());
      if (failure != null) {
        throw failure;
      }
      context.forward(record);
    }
  }
}
