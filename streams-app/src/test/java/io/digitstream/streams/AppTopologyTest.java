package io.digitstream.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.model.DigitClassifier;
import io.digitstream.record.Codec;
import io.digitstream.record.DigitImage;
import io.digitstream.record.DigitLabel;
import io.digitstream.record.InvalidRecordException;
import io.digitstream.record.Json;
import io.digitstream.record.Prediction;
import io.digitstream.streams.deadletter.DeadLetters;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.metrics.AppMetrics.LabelOutcome;
import io.digitstream.streams.metrics.AppMetrics.PredictionOutcome;
import io.digitstream.streams.scoring.BatchScorer;
import io.digitstream.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The whole topology under {@link TopologyTestDriver}: no broker, driver-controlled time. */
class AppTopologyTest {
  private static final Instant START = Instant.parse("2026-11-22T04:00:00Z");
  private static final Duration WAIT = Duration.ofMillis(20);

  @TempDir Path stateDir;
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> images;
  private TestOutputTopic<String, Prediction> predictions;
  private TestOutputTopic<byte[], byte[]> deadLetters;

  private void start(int batchSize) {
    start(batchSize, StreamsConfig.EXACTLY_ONCE_V2);
  }

  private void start(int batchSize, String guarantee) {
    StreamsSettings settings =
        StreamsSettings.load(
            null,
            Map.of(),
            Map.of(
                StreamsSettings.BATCH_MAX_SIZE,
                String.valueOf(batchSize),
                StreamsSettings.BATCH_MAX_WAIT_MS,
                String.valueOf(WAIT.toMillis()),
                StreamsConfig.STATE_DIR_CONFIG,
                stateDir.toString(),
                StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                guarantee));
    Topics topics = settings.topics();
    driver = new TopologyTestDriver(topology(settings), settings.kafka(), START);
    images =
        driver.createInputTopic(
            topics.names().images(), new StringSerializer(), new ByteArraySerializer());
    predictions =
        driver.createOutputTopic(
            topics.names().predictions(),
            topics.predictions().keySerde().deserializer(),
            topics.predictions().valueSerde().deserializer());
    deadLetters =
        driver.createOutputTopic(
            topics.names().deadLetters(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * docs/architecture.md shows the topology as {@code describe()} prints it with the default
   * settings (indentation normalised), so a new processor or store cannot leave the page behind.
   */
  @Test
  void architectureDocShowsTheTopologyAsBuilt() throws Exception {
    StreamsSettings settings =
        StreamsSettings.load(
            null, Map.of(), Map.of(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString()));
    String built = topology(settings).describe().toString();
    String doc = Files.readString(Path.of("../docs/architecture.md"));
    int start = doc.indexOf("```\nSub-topology: 0");
    String shown = doc.substring(start + 4, doc.indexOf("```", start + 4));

    assertThat(start).as("architecture.md has the topology block").isPositive();
    assertThat(normalised(shown)).isEqualTo(normalised(built));
  }

  /** A processor's stores come from a set, in no fixed order. */
  private static String sortedStores(String line) {
    int open = line.indexOf("(stores: [");
    if (open < 0) {
      return line;
    }
    int from = open + "(stores: [".length();
    int to = line.indexOf(']', from);
    String stores =
        Stream.of(line.substring(from, to).split(", "))
            .filter(name -> !name.isEmpty())
            .sorted()
            .collect(java.util.stream.Collectors.joining(", "));
    return line.substring(0, from) + stores + line.substring(to);
  }

  /** Sub-topologies flush left, nodes two spaces in, their links four; stores sorted. */
  private static String normalised(String description) {
    StringBuilder out = new StringBuilder();
    for (String line : description.strip().split("\n")) {
      String text = sortedStores(line.strip());
      if (text.isEmpty() || text.equals("Topologies:")) {
        continue;
      }
      if (text.startsWith("Sub-topology") && out.length() > 0) {
        out.append('\n');
      }
      String indent =
          text.startsWith("Sub-topology")
              ? ""
              : text.startsWith("-->") || text.startsWith("<--") ? "    " : "  ";
      out.append(indent).append(text).append('\n');
    }
    return out.toString();
  }

  private static org.apache.kafka.streams.Topology topology(StreamsSettings settings) {
    return topology(settings, new AppMetrics());
  }

  private static org.apache.kafka.streams.Topology topology(
      StreamsSettings settings, AppMetrics metrics) {
    return new AppTopology(
            settings.topics(),
            settings.batching(),
            Fixtures.classifiers(),
            settings.accuracy(),
            settings.monitoring(),
            new io.digitstream.streams.monitor.ImageRings(settings.pageImages()),
            metrics)
        .build(settings.kafka());
  }

  @AfterEach
  void closeDriver() {
    if (driver != null) {
      driver.close();
    }
  }

  private void send(DigitImage image) {
    images.pipeInput(image.id(), Fixtures.json(image), START);
  }

  @Test
  void scoresAValidImageExactlyOnce() {
    start(64);
    DigitImage image = Fixtures.image("mnist-test-0", 0);
    Instant imageTime = START.minusSeconds(3);
    images.pipeInput(image.id(), Fixtures.json(image), imageTime);

    long before = System.currentTimeMillis();
    driver.advanceWallClockTime(WAIT);
    long after = System.currentTimeMillis();

    List<TestRecord<String, Prediction>> out = predictions.readRecordsToList();
    assertThat(out).hasSize(1);
    Prediction prediction = out.get(0).value();
    DigitClassifier.Classification expected = Fixtures.reference().classify(image.pixels());
    assertThat(out.get(0).key()).isEqualTo(image.id());
    assertThat(prediction.id()).isEqualTo(image.id());
    assertThat(prediction.digit()).isEqualTo(expected.digit());
    assertThat(prediction.probability()).isEqualTo((double) expected.probability());
    assertThat(prediction.probabilities()).containsExactlyElementsOf(asDoubles(expected));
    assertThat(prediction.modelVersion()).isEqualTo(Fixtures.bundle().version());
    assertThat(prediction.imageTimestamp()).isEqualTo(imageTime.toEpochMilli());
    assertThat(prediction.scoredAt()).isBetween(before, after);
    assertThat(out.get(0).timestamp()).isEqualTo(imageTime.toEpochMilli());

    driver.advanceWallClockTime(WAIT.multipliedBy(10));
    assertThat(predictions.isEmpty()).isTrue();
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  @Test
  void scoresABatchAsIfEachImageWereAlone() {
    start(16);
    List<DigitImage> batch =
        IntStream.range(0, 16).mapToObj(i -> Fixtures.image("img-" + i, i)).toList();
    batch.forEach(this::send);

    List<Prediction> out = predictions.readValuesToList();
    assertThat(out).extracting(Prediction::id).containsExactlyElementsOf(ids(batch));
    for (int i = 0; i < batch.size(); i++) {
      DigitClassifier.Classification alone = Fixtures.reference().classify(batch.get(i).pixels());
      assertThat(out.get(i).digit()).as(batch.get(i).id()).isEqualTo(alone.digit());
      for (int d = 0; d < 10; d++) {
        assertThat(out.get(i).probabilities().get(d))
            .isCloseTo(alone.probabilities()[d], org.assertj.core.data.Offset.offset(1e-5));
      }
    }
  }

  @Test
  void flushesAFullBatchWithoutWaiting() {
    start(4);
    List<DigitImage> batch =
        IntStream.range(0, 4).mapToObj(i -> Fixtures.image("img-" + i, i)).toList();

    batch.subList(0, 3).forEach(this::send);
    assertThat(predictions.isEmpty()).isTrue();

    send(batch.get(3));
    assertThat(predictions.readValuesToList())
        .extracting(Prediction::id)
        .containsExactlyElementsOf(ids(batch));
  }

  @Test
  void flushesAPartialBatchAfterTheMaximumWait() {
    start(64);
    List<DigitImage> batch =
        IntStream.range(0, 3).mapToObj(i -> Fixtures.image("img-" + i, i)).toList();
    batch.forEach(this::send);

    driver.advanceWallClockTime(WAIT.minusMillis(1));
    assertThat(predictions.isEmpty()).isTrue();

    driver.advanceWallClockTime(Duration.ofMillis(1));
    assertThat(predictions.readValuesToList())
        .extracting(Prediction::id)
        .containsExactlyElementsOf(ids(batch));
  }

  @Test
  void keepsUnscoredImagesInAChangeloggedStoreUntilTheirBatchIsScored() {
    start(64);
    KeyValueStore<Integer, ?> pending = driver.getKeyValueStore(BatchScorer.STORE);
    List.of(0, 1, 2).forEach(i -> send(Fixtures.image("img-" + i, i)));
    assertThat(count(pending)).isEqualTo(3);
    assertThat(driver.producedTopicNames())
        .contains("digitstream-scorer-" + BatchScorer.STORE + "-changelog");

    driver.advanceWallClockTime(WAIT);
    assertThat(predictions.readValuesToList()).hasSize(3);
    assertThat(count(pending)).isZero();
  }

  @Test
  void anImageAnHourAheadOfTheClockChangesNothingForTheOthersAndIsDeadLettered() {
    Outcome without = runWithLabelsAfterAPause("without", false);
    Outcome with = runWithLabelsAfterAPause("with", true);

    assertThat(without.joins()).containsEntry("predictions.paired", 10L);
    assertThat(without.deadLetters()).isEmpty();
    assertThat(with.joins()).as("the join's outcome counts").isEqualTo(without.joins());
    assertThat(with.windows())
        .as("the final matrix of every accuracy window")
        .isEqualTo(without.windows());
    assertThat(with.deadLetters()).hasSize(1);
    TestRecord<byte[], byte[]> letter = with.deadLetters().get(0);
    assertThat(letter.key()).isEqualTo(bytes("skewed"));
    assertThat(letter.value()).isEqualTo(Fixtures.json(Fixtures.image("skewed", 99)));
    assertThat(header(letter, DeadLetters.TOPIC)).isEqualTo("digits.images");
    assertThat(header(letter, DeadLetters.MESSAGE))
        .isEqualTo(
            "timestamp 2026-11-22T05:00:00Z is 3600000 ms ahead of this instance's clock"
                + " (2026-11-22T04:00:00Z); digitstream.timestamps.max.future.ms allows 60000");
  }

  /** What the accuracy branch made of a run, and what it dead-lettered. */
  private record Outcome(
      Map<String, String> windows,
      Map<String, Long> joins,
      List<TestRecord<byte[], byte[]>> deadLetters) {}

  /**
   * Ten images a minute old, scored in batches of four, then a pause of the labels (people label
   * more slowly than machines send) and their ten labels; with {@code skewed}, one more image,
   * stamped an hour ahead by its producer's clock, among the others.
   */
  private Outcome runWithLabelsAfterAPause(String name, boolean skewed) {
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
                stateDir.resolve(name).toString()));
    Topics topics = settings.topics();
    AppMetrics metrics = new AppMetrics();
    try (TopologyTestDriver run =
        new TopologyTestDriver(topology(settings, metrics), settings.kafka(), START)) {
      TestInputTopic<String, byte[]> in =
          run.createInputTopic(
              topics.names().images(), new StringSerializer(), new ByteArraySerializer());
      TestInputTopic<String, byte[]> labels =
          run.createInputTopic(
              topics.names().labels(), new StringSerializer(), new ByteArraySerializer());
      Instant first = START.minusSeconds(60);
      for (int i = 0; i < 10; i++) {
        if (skewed && i == 5) {
          in.pipeInput(
              "skewed", Fixtures.json(Fixtures.image("skewed", 99)), START.plusSeconds(3600));
        }
        in.pipeInput(
            "img-" + i, Fixtures.json(Fixtures.image("img-" + i, i)), first.plusSeconds(i));
      }
      run.advanceWallClockTime(WAIT);
      run.advanceWallClockTime(settings.accuracy().idle().plusSeconds(1));
      for (int i = 0; i < 10; i++) {
        labels.pipeInput(
            "img-" + i,
            Codec.labels().encode(new DigitLabel("img-" + i, Fixtures.digits().label(i))),
            first.plusSeconds(30 + i));
      }
      run.advanceWallClockTime(settings.accuracy().flushInterval());
      run.advanceWallClockTime(settings.accuracy().flushInterval());

      Map<String, String> windows = new TreeMap<>();
      run.createOutputTopic(
              topics.names().accuracy(), new StringDeserializer(), new StringDeserializer())
          .readRecordsToList()
          .forEach(r -> windows.put(r.key(), matrix(r.value())));
      Map<String, Long> joins = new TreeMap<>();
      for (LabelOutcome o : LabelOutcome.values()) {
        joins.put("labels." + o.name().toLowerCase(Locale.ROOT), metrics.labels(o));
      }
      for (PredictionOutcome o : PredictionOutcome.values()) {
        joins.put("predictions." + o.name().toLowerCase(Locale.ROOT), metrics.predictions(o));
      }
      List<TestRecord<byte[], byte[]>> letters =
          run.createOutputTopic(
                  topics.names().deadLetters(),
                  new ByteArrayDeserializer(),
                  new ByteArrayDeserializer())
              .readRecordsToList();
      return new Outcome(windows, joins, letters);
    } finally {
      metrics.close();
    }
  }

  static Stream<Arguments> badRecords() {
    String pixels = Base64.getEncoder().encodeToString(new byte[DigitImage.PIXELS]);
    String ints = "[" + String.join(",", java.util.Collections.nCopies(783, "0")) + ",";
    byte[] valid = Fixtures.json(new DigitImage("img-1", new byte[DigitImage.PIXELS], null));
    return Stream.of(
        bad("not JSON", "img-1", bytes("hello"), "not valid JSON"),
        bad("not an object", "img-1", bytes("[1,2,3]"), "expected a JSON object"),
        bad("id missing", "img-1", bytes("{\"pixels\":\"" + pixels + "\"}"), "id is missing"),
        bad(
            "id not a string",
            "7",
            bytes("{\"id\":7,\"pixels\":\"" + pixels + "\"}"),
            "id must be a string, got number 7"),
        bad("pixels missing", "img-1", bytes("{\"id\":\"img-1\"}"), "pixels is missing"),
        bad(
            "too few pixels",
            "img-1",
            bytes("{\"id\":\"img-1\",\"pixels\":[1,2,3]}"),
            "pixels must hold 784 values (28x28), got 3"),
        bad(
            "pixel out of range",
            "img-1",
            bytes("{\"id\":\"img-1\",\"pixels\":" + ints + "300]}"),
            "pixels[783] is 300, outside 0-255"),
        bad(
            "pixel not an integer",
            "img-1",
            bytes("{\"id\":\"img-1\",\"pixels\":" + ints + "0.5]}"),
            "pixels[783] must be an integer 0-255"),
        bad(
            "pixels not base64",
            "img-1",
            bytes("{\"id\":\"img-1\",\"pixels\":\"!!\"}"),
            "pixels is not valid base64"),
        bad("null value", "img-1", null, "null value"),
        bad("empty value", "img-1", new byte[0], "empty value"),
        bad("oversized", "img-1", new byte[70_000], "exceeds the limit of 65536"),
        bad("null key", null, valid, "key is null: an image must be keyed by its id 'img-1'"),
        bad("key is not the id", "img-2", valid, "key 'img-2' differs from the image id 'img-1'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRecords")
  void sendsEachKindOfBadRecordToTheDeadLetterTopicWithItsReason(
      String kind, String key, byte[] value, String reason) {
    // Under exactly-once the driver drops sends made before processing starts (its
    // MockProducer.clear() discards the open transaction), which is where deserialization
    // dead letters are sent; on a real broker they commit with the next transaction (see
    // ScoringServiceIntegrationTest), so the driver runs this one at-least-once.
    start(64, StreamsConfig.AT_LEAST_ONCE);
    Headers headers = new RecordHeaders().add("trace-id", bytes("t-42"));
    images.pipeInput(new TestRecord<>(key, value, headers, START));
    DigitImage good = Fixtures.image("good", 0);
    send(good);
    driver.advanceWallClockTime(WAIT);

    List<TestRecord<byte[], byte[]>> letters = deadLetters.readRecordsToList();
    assertThat(letters).hasSize(1);
    TestRecord<byte[], byte[]> letter = letters.get(0);
    assertThat(letter.key()).isEqualTo(key == null ? null : bytes(key));
    assertThat(letter.value()).isEqualTo(value);
    assertThat(letter.timestamp()).isEqualTo(START.toEpochMilli());
    assertThat(header(letter, DeadLetters.MESSAGE)).contains(reason);
    assertThat(header(letter, DeadLetters.EXCEPTION))
        .isEqualTo(InvalidRecordException.class.getName());
    assertThat(header(letter, DeadLetters.TOPIC)).isEqualTo("digits.images");
    assertThat(header(letter, DeadLetters.PARTITION)).isEqualTo("0");
    assertThat(header(letter, DeadLetters.OFFSET)).isEqualTo("0");
    assertThat(header(letter, "trace-id")).isEqualTo("t-42");
    assertThat(letter.headers().lastHeader(DeadLetters.STACKTRACE)).isNull();
    // The bad record stops nothing: the next image is scored, and only it.
    assertThat(predictions.readValuesToList()).extracting(Prediction::id).containsExactly("good");
  }

  private static String matrix(String window) {
    try {
      return Json.MAPPER.readTree(window).get("matrix").get("matrix").toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Arguments bad(String kind, String key, byte[] value, String reason) {
    return Arguments.of(kind, key, value, reason);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String header(TestRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static List<String> ids(List<DigitImage> images) {
    return images.stream().map(DigitImage::id).toList();
  }

  private static List<Double> asDoubles(DigitClassifier.Classification c) {
    float[] p = c.probabilities();
    return IntStream.range(0, p.length).mapToObj(i -> (double) p[i]).toList();
  }

  private static long count(KeyValueStore<Integer, ?> store) {
    try (var all = store.all()) {
      long n = 0;
      while (all.hasNext()) {
        all.next();
        n++;
      }
      return n;
    }
  }
}
