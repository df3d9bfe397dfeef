package io.digitstream.streams.accuracy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.accuracy.WindowMonitor;
import io.digitstream.record.DigitLabel;
import io.digitstream.record.Json;
import io.digitstream.record.Prediction;
import io.digitstream.streams.StreamsSettings;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.metrics.AppMetrics.LabelOutcome;
import io.digitstream.streams.metrics.AppMetrics.PredictionOutcome;
import io.digitstream.streams.monitor.MonitorSettings;
import io.digitstream.streams.scoring.ScoredImage;
import io.digitstream.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The accuracy branch under {@link TopologyTestDriver}, fed with predictions it is handed directly
 * (as the scorer hands them over in production) and labels from the labels topic. Default settings:
 * 5 min lateness, 1 min grace, 1 min tumbling, 5 min hopping by 10 s.
 */
class AccuracyTopologyTest {
  private static final String SCORED = "test.scored";
  private static final Instant T0 = Instant.parse("2026-11-22T12:00:00Z");
  private static final Instant NOW = T0.plus(Duration.ofDays(1));
  private static final String V1 = "aaaaaaaaaaaa";
  private static final String V2 = "bbbbbbbbbbbb";
  private static final Duration FLUSH = Duration.ofSeconds(1);

  @TempDir Path stateDir;
  private final AppMetrics metrics = new AppMetrics();
  private AccuracySettings settings;
  private Topics topics;
  private TopologyTestDriver driver;
  private TestInputTopic<String, Prediction> predictions;
  private TestInputTopic<String, String> labels;
  private TestOutputTopic<String, String> accuracy;
  private TestOutputTopic<byte[], byte[]> deadLetters;
  private int ticks;

  @BeforeEach
  void start() {
    StreamsSettings streams =
        StreamsSettings.load(
            null,
            Map.of(),
            Map.of(
                StreamsConfig.STATE_DIR_CONFIG,
                stateDir.toString(),
                // The driver drops dead letters sent outside processing under exactly-once.
                StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                StreamsConfig.AT_LEAST_ONCE));
    settings = streams.accuracy();
    topics = streams.topics();
    Properties props = streams.kafka();
    StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(props)));
    Topics.Topic<Prediction> p = topics.predictions();
    KStream<String, Prediction> scored =
        builder.stream(SCORED, Consumed.with(p.keySerde(), p.valueSerde()).withName("scored"));
    new AccuracyTopology(
            topics,
            settings,
            MonitorSettings.defaults(),
            v -> Optional.empty(),
            new io.digitstream.streams.monitor.ImageRings(
                io.digitstream.streams.monitor.ImageRingSettings.defaults()),
            metrics)
        .attach(
            builder,
            scored.mapValues(s -> new ScoredImage(s, null, null), Named.as("as-scored")),
            scored);
    // The records are history to the driver's clock (as in a replay), so that none of them is
    // refused as coming from the future; tests of that set their own record times.
    driver = new TopologyTestDriver(builder.build(props), props, NOW);
    predictions =
        driver.createInputTopic(SCORED, new StringSerializer(), p.valueSerde().serializer());
    labels =
        driver.createInputTopic(
            topics.names().labels(), new StringSerializer(), new StringSerializer());
    accuracy =
        driver.createOutputTopic(
            topics.names().accuracy(), new StringDeserializer(), new StringDeserializer());
    deadLetters =
        driver.createOutputTopic(
            topics.names().deadLetters(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void close() {
    driver.close();
    metrics.close();
  }

  @Test
  void joinsALabelThatArrivesAfterThePrediction() {
    predict("img-1", 7, V1, T0);
    label("img-1", 7, T0.plusSeconds(30));
    flush();

    ConfusionMatrix m = cumulative(V1);
    assertThat(m.count()).isEqualTo(1);
    assertThat(m.get(7, 7)).isEqualTo(1);
    assertThat(metrics.labels(LabelOutcome.PAIRED)).isEqualTo(1);
    assertThat(metrics.predictions(PredictionOutcome.PAIRED)).isEqualTo(1);
  }

  @Test
  void joinsALabelThatArrivesBeforeThePredictionAndTakesTheTruthFromTheLabel() {
    label("img-1", 5, T0);
    predict("img-1", 3, V1, T0.plusSeconds(10));
    flush();

    ConfusionMatrix m = cumulative(V1);
    assertThat(m.count()).isEqualTo(1);
    assertThat(m.get(5, 3)).as("row = truth 5, column = predicted 3").isEqualTo(1);
    assertThat(metrics.labels(LabelOutcome.PAIRED)).isEqualTo(1);
  }

  @Test
  void countsALabelMoreThanTheLatenessAfterItsImageAsLateAndNeverJoinsIt() {
    predict("img-1", 7, V1, T0);
    // Still inside the round's grace, but 5 min + 1 ms after the image.
    label("img-1", 7, T0.plus(settings.lateness()).plusMillis(1));
    labelsPause();
    tick(T0.plus(settings.lateness()).plus(settings.grace()).plusMillis(1));
    flush();

    assertThat(cumulativeOrNull(V1)).isNull();
    assertThat(metrics.labels(LabelOutcome.LATE)).isEqualTo(1);
    assertThat(metrics.labels(LabelOutcome.PAIRED)).isZero();
    assertThat(metrics.predictions(PredictionOutcome.UNLABELLED)).isEqualTo(1);
  }

  @Test
  void countsALabelArrivingAfterTheGracePeriodAsLateAndNeverJoinsIt() {
    predict("img-1", 7, V1, T0);
    // No labels at all for a while: predictions alone drive the join's clock past the round's
    // lateness and grace, and the prediction is given up on.
    labelsPause();
    tick(T0.plus(settings.lateness()).plus(settings.grace()).plusMillis(1));
    assertThat(metrics.predictions(PredictionOutcome.UNLABELLED)).isEqualTo(1);

    label("img-1", 7, T0.plus(settings.lateness()).plus(settings.grace()).plusMillis(2));
    flush();

    assertThat(cumulativeOrNull(V1)).isNull();
    assertThat(metrics.labels(LabelOutcome.LATE)).isEqualTo(1);
    assertThat(metrics.labels(LabelOutcome.UNMATCHED)).isZero();
  }

  @Test
  void waitsForPredictionsBehindAScorerBacklogWhileLabelsRunMinutesAhead() {
    // Labels are cheap and reach the join long before the predictions of a scoring backlog:
    // labels ten minutes ahead must not close the rounds of the images still being scored.
    label("img-1", 7, T0);
    for (int i = 0; i < 10; i++) {
      label("later-" + i, 1, T0.plus(Duration.ofMinutes(i + 1)));
    }
    predict("img-1", 7, V1, T0.plusSeconds(1));
    flush();

    assertThat(cumulative(V1).count()).isEqualTo(1);
    assertThat(metrics.labels(LabelOutcome.LATE)).isZero();
    assertThat(metrics.labels(LabelOutcome.UNMATCHED)).isZero();
  }

  @Test
  void waitsForLabelsThatAreReadMinutesBehindThePredictions() {
    // In a replay the images topic may be read far ahead of the labels topic.
    predict("img-1", 7, V1, T0);
    for (int i = 0; i < 10; i++) {
      predict("later-" + i, 1, V1, T0.plus(Duration.ofMinutes(i + 1)));
    }
    label("img-1", 7, T0.plusSeconds(1));
    flush();

    assertThat(cumulative(V1).get(7, 7)).isEqualTo(1);
    assertThat(metrics.labels(LabelOutcome.LATE)).isZero();
    assertThat(metrics.predictions(PredictionOutcome.UNLABELLED)).isZero();
  }

  @Test
  void letsPredictionsAloneMoveTheClockOnceTheLabelsHaveBeenIdle() {
    predict("img-1", 7, V1, T0);
    tick(T0.plus(settings.lateness()).plus(settings.grace()).plusMillis(1));
    assertThat(metrics.predictions(PredictionOutcome.UNLABELLED))
        .as("labels may still come: their input has not been idle long enough")
        .isZero();

    labelsPause();

    assertThat(metrics.predictions(PredictionOutcome.UNLABELLED)).isEqualTo(1);
  }

  @Test
  void countsADuplicateLabelAndCountsItsImageOnlyOnce() {
    predict("img-1", 7, V1, T0);
    label("img-1", 7, T0.plusSeconds(1));
    label("img-1", 7, T0.plusSeconds(2));
    label("img-1", 1, T0.plusSeconds(3));
    flush();

    assertThat(cumulative(V1).count()).isEqualTo(1);
    assertThat(metrics.labels(LabelOutcome.DUPLICATE)).isEqualTo(2);
    assertThat(metrics.labels(LabelOutcome.PAIRED)).isEqualTo(1);
  }

  @Test
  void countsADuplicateLabelThatArrivesBeforeThePredictionToo() {
    label("img-1", 7, T0);
    label("img-1", 7, T0.plusSeconds(1));
    predict("img-1", 7, V1, T0.plusSeconds(2));
    flush();

    assertThat(cumulative(V1).count()).isEqualTo(1);
    assertThat(metrics.labels(LabelOutcome.DUPLICATE)).isEqualTo(1);
  }

  @Test
  void countsALabelForAnIdNeverSeenAsUnmatchedOnceItsWindowCloses() {
    label("ghost", 4, T0);
    tick(T0.plus(settings.lateness()).minusMillis(1));
    assertThat(metrics.labels(LabelOutcome.UNMATCHED)).as("still waiting").isZero();

    labelsPause();
    tick(T0.plus(settings.lateness()).plus(settings.grace()).plusMillis(1));
    flush();

    assertThat(metrics.labels(LabelOutcome.UNMATCHED)).isEqualTo(1);
    assertThat(cumulativeOrNull(V1)).isNull();
  }

  @Test
  void countsAPredictionWhoseLabelNeverCameAsUnlabelled() {
    predict("img-1", 7, V1, T0);
    labelsPause();
    tick(T0.plus(settings.lateness()).plus(settings.grace()).plusMillis(1));

    assertThat(metrics.predictions(PredictionOutcome.UNLABELLED)).isEqualTo(1);
  }

  @Test
  void ignoresASecondPredictionOfTheSameImageByTheSameModelVersion() {
    predict("img-1", 7, V1, T0);
    predict("img-1", 7, V1, T0.plusSeconds(1));
    label("img-1", 7, T0.plusSeconds(2));
    flush();

    assertThat(cumulative(V1).count()).isEqualTo(1);
    assertThat(metrics.predictions(PredictionOutcome.DUPLICATE)).isEqualTo(1);
  }

  @Test
  void pairsEveryModelVersionsPredictionWithTheSameLabel() {
    predict("img-1", 7, V1, T0);
    label("img-1", 7, T0.plusSeconds(1));
    predict("img-1", 1, V2, T0.plusSeconds(2));
    flush();

    assertThat(cumulative(V1).get(7, 7)).isEqualTo(1);
    assertThat(cumulative(V2).get(7, 1)).isEqualTo(1);
    assertThat(metrics.labels(LabelOutcome.PAIRED)).isEqualTo(1);
    assertThat(metrics.predictions(PredictionOutcome.PAIRED)).isEqualTo(2);
  }

  @Test
  void startsANewRoundForAnIdPublishedAgainAfterItsRoundWasForgotten() {
    predict("img-1", 7, V1, T0);
    label("img-1", 7, T0);
    Instant later =
        T0.plus(settings.lateness().plus(settings.grace()).multipliedBy(2)).plusSeconds(1);
    labelsPause();
    tick(later);
    predict("img-1", 2, V1, later);
    label("img-1", 7, later);
    flush();

    ConfusionMatrix m = cumulative(V1);
    assertThat(m.count()).isEqualTo(2);
    assertThat(m.get(7, 7)).isEqualTo(1);
    assertThat(m.get(7, 2)).isEqualTo(1);
    assertThat(metrics.labels(LabelOutcome.DUPLICATE)).isZero();
  }

  @Test
  void startsANewRoundForAPredictionOfAnIdWhoseRoundIsClosed() {
    predict("img-1", 7, V1, T0);
    label("img-1", 7, T0);
    Instant later = T0.plus(settings.lateness()).plus(settings.grace()).plusSeconds(1);
    labelsPause();
    tick(later);
    predict("img-1", 7, V1, later);
    label("img-1", 7, later.plusSeconds(1));
    flush();

    assertThat(cumulative(V1).count()).isEqualTo(2);
  }

  @Test
  void countsEachPairInTheTumblingWindowOfItsImageTime() {
    Instant lastOfFirst = T0.plus(settings.tumbling()).minusMillis(1);
    Instant firstOfSecond = T0.plus(settings.tumbling());
    pair("img-a", 1, lastOfFirst);
    pair("img-b", 2, firstOfSecond);
    pair("img-c", 3, firstOfSecond.plusSeconds(59));
    flush();

    Map<Long, Long> counts = windowCounts(AccuracyWindows.TUMBLING_STORE, V1);
    assertThat(counts)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(T0.toEpochMilli(), 1L, firstOfSecond.toEpochMilli(), 2L));
  }

  @Test
  void countsEachPairInEveryHoppingWindowThatContainsIt() {
    Instant image = T0.plusSeconds(5);
    pair("img-a", 1, image);
    flush();

    Map<Long, Long> counts = windowCounts(AccuracyWindows.HOPPING_STORE, V1);
    long hop = settings.hopping().toMillis();
    long advance = settings.advance().toMillis();
    List<Long> expectedStarts = new ArrayList<>();
    for (long s = T0.toEpochMilli() - hop + advance; s <= T0.toEpochMilli(); s += advance) {
      expectedStarts.add(s);
    }
    assertThat(expectedStarts).hasSize(30);
    assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(expectedStarts);
    assertThat(counts.values()).containsOnly(1L);
    // The window ending exactly at the image time does not contain it; windows are [start, end).
    assertThat(counts).doesNotContainKey(T0.toEpochMilli() - hop);
  }

  @Test
  void keepsEachModelVersionsMatricesApart() {
    predict("img-1", 7, V1, T0);
    predict("img-2", 3, V2, T0);
    label("img-1", 7, T0);
    label("img-2", 8, T0);
    flush();

    assertThat(cumulative(V1).count()).isEqualTo(1);
    assertThat(cumulative(V1).get(7, 7)).isEqualTo(1);
    assertThat(cumulative(V2).count()).isEqualTo(1);
    assertThat(cumulative(V2).get(8, 3)).isEqualTo(1);
    assertThat(windowCounts(AccuracyWindows.TUMBLING_STORE, V1))
        .containsEntry(T0.toEpochMilli(), 1L);
    assertThat(windowCounts(AccuracyWindows.TUMBLING_STORE, V2))
        .containsEntry(T0.toEpochMilli(), 1L);
  }

  @Test
  void emitsEveryChangedWindowToTheAccuracyTopicAsDocumentedJson() throws Exception {
    pair("img-1", 4, T0.plusSeconds(5));
    flush();

    List<TestRecord<String, String>> out = accuracy.readRecordsToList();
    // One cumulative view, one tumbling window, thirty hopping windows.
    assertThat(out).hasSize(32);
    TestRecord<String, String> total =
        out.stream().filter(r -> r.key().equals(V1 + "|cumulative")).findFirst().orElseThrow();
    JsonNode json = Json.MAPPER.readTree(total.value());
    assertThat(json.get("modelVersion").asText()).isEqualTo(V1);
    assertThat(json.get("kind").asText()).isEqualTo("cumulative");
    assertThat(json.get("windowStart").asLong()).isEqualTo(T0.toEpochMilli());
    assertThat(json.get("windowEnd").asLong()).isEqualTo(T0.plusSeconds(10).toEpochMilli());
    JsonNode matrix = json.get("matrix");
    assertThat(matrix.get("count").asLong()).isEqualTo(1);
    assertThat(matrix.get("correct").asLong()).isEqualTo(1);
    assertThat(matrix.get("accuracy").asDouble()).isEqualTo(1.0);
    assertThat(matrix.get("matrix").get(4).get(4).asLong()).isEqualTo(1);
    assertThat(matrix.get("precision")).hasSize(10);
    assertThat(matrix.get("recall")).hasSize(10);
    assertThat(out)
        .extracting(TestRecord::key)
        .contains(V1 + "|tumbling|" + T0.toEpochMilli(), V1 + "|hopping|" + T0.toEpochMilli());

    flush();
    assertThat(accuracy.isEmpty()).as("nothing changed, nothing emitted").isTrue();
  }

  @Test
  void neverReplacesAWindowsFinalValueOnTheAccuracyTopicWithAPartialMatrixFromALateDelta() {
    for (int i = 0; i < 3; i++) {
      pair("img-" + i, 4, T0.plusSeconds(1));
    }
    flush();
    // A replay or a long outage: pairs past the first window's retention...
    Instant later = T0.plus(settings.retention()).plus(settings.tumbling());
    pair("img-later", 5, later);
    flush();
    // ... then one of the first minute, e.g. from a partition whose backlog was read last.
    pair("img-late", 4, T0.plusSeconds(2));
    flush();

    Map<String, Long> finalCounts = new LinkedHashMap<>();
    for (TestRecord<String, String> r : accuracy.readRecordsToList()) {
      finalCounts.put(r.key(), count(r.value()));
    }
    assertThat(finalCounts).containsEntry(V1 + "|tumbling|" + T0.toEpochMilli(), 3L);
    assertThat(finalCounts).containsEntry(V1 + "|hopping|" + T0.toEpochMilli(), 3L);
    assertThat(finalCounts).containsEntry(V1 + "|cumulative", 5L);
    // The late image's prediction delta and its pair delta.
    assertThat(metrics.accuracyDeltasTooLate()).isEqualTo(2);
  }

  private static long count(String window) {
    try {
      return Json.MAPPER.readTree(window).get("matrix").get("count").asLong();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void sendsALabelKeyedByAnotherIdToTheDeadLetterTopic() {
    labels.pipeInput("img-2", json(new DigitLabel("img-1", 3)), T0);
    List<TestRecord<byte[], byte[]>> letters = deadLetters.readRecordsToList();

    assertThat(letters).hasSize(1);
    assertThat(
            new String(
                letters.get(0).headers().lastHeader("__streams.errors.message").value(),
                StandardCharsets.UTF_8))
        .isEqualTo("label key 'img-2' differs from its image id 'img-1'");
  }

  @Test
  void sendsALabelStampedAnHourAheadOfTheClockToTheDeadLetterTopicAndJoinsTheOthers() {
    predict("img-1", 7, V1, T0);
    label("skewed", 3, NOW.plus(Duration.ofHours(1)));
    labelsPause();
    label("img-1", 7, T0.plusSeconds(1));
    flush();

    List<TestRecord<byte[], byte[]>> letters = deadLetters.readRecordsToList();
    assertThat(letters).hasSize(1);
    assertThat(
            new String(
                letters.get(0).headers().lastHeader("__streams.errors.message").value(),
                StandardCharsets.UTF_8))
        .startsWith("timestamp 2026-11-23T13:00:00Z is 3600000 ms ahead of this instance's clock")
        .endsWith("digitstream.timestamps.max.future.ms allows 60000");
    assertThat(cumulative(V1).get(7, 7)).isEqualTo(1);
    assertThat(metrics.labels(LabelOutcome.PAIRED)).isEqualTo(1);
    assertThat(metrics.predictions(PredictionOutcome.UNLABELLED)).isZero();
  }

  @Test
  void acceptsALabelJustInsideTheFutureTolerance() {
    predict("img-1", 7, V1, NOW);
    label("img-1", 7, NOW.plus(settings.maxFuture()));
    flush();

    assertThat(deadLetters.isEmpty()).isTrue();
    assertThat(cumulative(V1).get(7, 7)).isEqualTo(1);
  }

  private void pair(String id, int digit, Instant imageTime) {
    predict(id, digit, V1, imageTime);
    label(id, digit, imageTime);
  }

  @Test
  void countsEveryPredictionsConfidenceBeforeItsLabelAndCalibrationOnceItComes() {
    predict("img-1", 3, V1, T0, 0.9);
    predict("img-2", 5, V1, T0.plusSeconds(1), 0.6);
    flush();
    KeyValueStore<String, AccuracyWindow> store =
        driver.getKeyValueStore(AccuracyWindows.CUMULATIVE_STORE);
    WindowMonitor before = store.get(V1).monitor();
    assertThat(before.predictions()).isEqualTo(2);
    assertThat(before.estimatedAccuracy()).isEqualTo(0.75);
    assertThat(before.predictedDigits()[3]).isEqualTo(1);
    assertThat(before.pairs()).isZero();
    assertThat(before.estimateError()).isNull();

    label("img-1", 3, T0);
    label("img-2", 8, T0.plusSeconds(1));
    flush();

    WindowMonitor after = store.get(V1).monitor();
    assertThat(after.predictions()).as("a label adds no prediction").isEqualTo(2);
    assertThat(after.pairs()).isEqualTo(2);
    // Estimated 0.75 on the labelled predictions, measured 0.5.
    assertThat(after.estimateError()).isCloseTo(0.25, org.assertj.core.api.Assertions.within(1e-9));
    WindowMonitor.Calibration calibration = after.calibration();
    assertThat(calibration.bins().get(WindowMonitor.calibrationBin(0.9)).correct()).isEqualTo(1);
    assertThat(calibration.bins().get(WindowMonitor.calibrationBin(0.6)).count()).isEqualTo(1);
    assertThat(calibration.ece())
        .isCloseTo((0.1 + 0.6) / 2, org.assertj.core.api.Assertions.within(1e-9));
  }

  private void predict(String id, int digit, String version, Instant imageTime, double p) {
    List<Double> probabilities = new ArrayList<>(Collections.nCopies(10, (1 - p) / 9));
    probabilities.set(digit, p);
    predictions.pipeInput(
        id,
        new Prediction(
            id,
            digit,
            p,
            probabilities,
            version,
            imageTime.toEpochMilli(),
            imageTime.toEpochMilli()),
        imageTime);
  }

  private void predict(String id, int digit, String version, Instant imageTime) {
    List<Double> probabilities = new ArrayList<>(Collections.nCopies(10, 0.0));
    probabilities.set(digit, 1.0);
    predictions.pipeInput(
        id,
        new Prediction(
            id,
            digit,
            1.0,
            probabilities,
            version,
            imageTime.toEpochMilli(),
            imageTime.toEpochMilli()),
        imageTime);
  }

  private void label(String id, int digit, Instant time) {
    labels.pipeInput(id, json(new DigitLabel(id, digit)), time);
  }

  /**
   * Lets the wall clock pass the join's idle time with no labels, so that they stop holding the
   * join's clock back (the predictions too, until the next one).
   */
  private void labelsPause() {
    driver.advanceWallClockTime(settings.idle().plusSeconds(1));
  }

  /** Moves the predictions' clock with a prediction of an id of its own that is never labelled. */
  private void tick(Instant time) {
    predict("tick-" + ticks++, 0, "tick-version", time);
  }

  /** Stage one sends its deltas, stage two emits its windows: two wall-clock flushes. */
  private void flush() {
    driver.advanceWallClockTime(FLUSH);
    driver.advanceWallClockTime(FLUSH);
  }

  private static String json(DigitLabel label) {
    return "{\"id\":\"" + label.id() + "\",\"label\":" + label.label() + "}";
  }

  private ConfusionMatrix cumulative(String version) {
    ConfusionMatrix m = cumulativeOrNull(version);
    assertThat(m).as("cumulative matrix of " + version).isNotNull();
    return m;
  }

  private ConfusionMatrix cumulativeOrNull(String version) {
    KeyValueStore<String, AccuracyWindow> store =
        driver.getKeyValueStore(AccuracyWindows.CUMULATIVE_STORE);
    AccuracyWindow w = store.get(version);
    // Predictions alone make a window (its monitoring figures); null means no pair yet.
    return w == null || w.matrix().count() == 0 ? null : w.matrix();
  }

  private Map<Long, Long> windowCounts(String storeName, String version) {
    WindowStore<String, AccuracyWindow> store = driver.getWindowStore(storeName);
    Map<Long, Long> out = new java.util.TreeMap<>();
    try (WindowStoreIterator<AccuracyWindow> it =
        store.fetch(version, Instant.EPOCH, Instant.ofEpochMilli(Long.MAX_VALUE))) {
      while (it.hasNext()) {
        KeyValue<Long, AccuracyWindow> next = it.next();
        out.put(next.key, next.value.matrix().count());
      }
    }
    return out;
  }
}
