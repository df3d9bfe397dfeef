package io.digitstream.streams.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.model.DigitClassifier;
import io.digitstream.model.ModelBundle;
import io.digitstream.record.DigitImage;
import io.digitstream.record.Prediction;
import io.digitstream.streams.Fixtures;
import io.digitstream.streams.PoisonedModels;
import io.digitstream.streams.metrics.AppMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The scorer on its own, with a store that already holds images, as after a restore. */
class BatchScorerTest {
  private static final Batching BATCHING = new Batching(4, Duration.ofMillis(20));

  private MockProcessorContext<String, ScoredImage> context;
  private KeyValueStore<Integer, PendingImage> store;
  private Processor<String, DigitImage, String, ScoredImage> scorer;

  @BeforeEach
  void setUp() {
    Properties config = new Properties();
    config.setProperty("application.id", "batch-scorer-test");
    config.setProperty("bootstrap.servers", "unused:9092");
    context = new MockProcessorContext<>(config);
    context.setCurrentSystemTimeMs(1_000);
    store = BatchScorer.storeBuilder().withLoggingDisabled().withCachingDisabled().build();
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
    scorer = BatchScorer.supplier(BATCHING, Fixtures.classifiers(), new AppMetrics()).get();
  }

  @Test
  void scoresImagesRestoredFromItsStoreAtTheFirstCheckInTheirOriginalOrder() {
    store.put(1, pending("second", 1, 200));
    store.put(0, pending("first", 0, 100));

    scorer.init(context);
    assertThat(context.forwarded()).isEmpty();
    punctuate(context.currentSystemTimeMs());

    assertThat(forwarded()).extracting(Prediction::id).containsExactly("first", "second");
    assertThat(forwarded()).extracting(Prediction::imageTimestamp).containsExactly(100L, 200L);
    assertThat(count()).isZero();
  }

  @Test
  void addsNewImagesAfterTheRestoredOnesAndFlushesThemTogether() {
    store.put(0, pending("restored-0", 0, 100));
    store.put(1, pending("restored-1", 1, 100));
    scorer.init(context);

    scorer.process(new Record<>("new-2", Fixtures.image("new-2", 2), 300));
    assertThat(store.get(2).id()).isEqualTo("new-2");
    scorer.process(new Record<>("new-3", Fixtures.image("new-3", 3), 300));

    assertThat(forwarded())
        .extracting(Prediction::id)
        .containsExactly("restored-0", "restored-1", "new-2", "new-3");
    assertThat(count()).isZero();
  }

  @Test
  void checksTheAgeOfItsOldestImageFourTimesPerMaximumWait() {
    scorer.init(context);
    CapturedPunctuator check = context.scheduledPunctuators().get(0);
    assertThat(check.getType()).isEqualTo(PunctuationType.WALL_CLOCK_TIME);
    assertThat(check.getInterval()).isEqualTo(Duration.ofMillis(5));

    scorer.process(new Record<>("img", Fixtures.image("img", 0), 300));
    punctuate(1_019);
    assertThat(context.forwarded()).isEmpty();
    punctuate(1_020);
    assertThat(forwarded()).extracting(Prediction::id).containsExactly("img");
  }

  @Test
  void switchesToAReplacedModelBetweenTwoBatchesNeverWithinOne() {
    ClassifierPool pool = ClassifierPool.of(Fixtures.reference().copy(), 1);
    Processor<String, DigitImage, String, ScoredImage> switching =
        BatchScorer.supplier(BATCHING, pool, new AppMetrics()).get();
    switching.init(context);
    String a = pool.version();
    DigitClassifier b = DigitClassifier.load(ModelBundle.open(Fixtures.resource("model-b")));
    assertThat(b.version()).isNotEqualTo(a);

    for (int i = 0; i < 8; i++) {
      if (i == 6) {
        // While the second batch fills: it was opened under A and is scored under B.
        pool.replace(b);
      }
      switching.process(new Record<>("img-" + i, Fixtures.image("img-" + i, i), 300));
    }

    // Each batch is scored by one model, the one current when it is scored, and says so.
    assertThat(forwarded())
        .extracting(Prediction::modelVersion)
        .containsExactly(a, a, a, a, b.version(), b.version(), b.version(), b.version());
  }

  @Test
  void scoresEachBatchWithTheShadowAsWellAndMarksItsPredictions() {
    ClassifierPool pool = ClassifierPool.of(Fixtures.reference().copy(), 1);
    DigitClassifier b = DigitClassifier.load(ModelBundle.open(Fixtures.resource("model-b")));
    pool.replaceShadow(b);
    Processor<String, DigitImage, String, ScoredImage> scoring =
        BatchScorer.supplier(BATCHING, pool, new AppMetrics()).get();
    scoring.init(context);

    for (int i = 0; i < 4; i++) {
      scoring.process(new Record<>("img-" + i, Fixtures.image("img-" + i, i), 300));
    }

    var records = context.forwarded().stream().map(f -> f.record()).toList();
    assertThat(records).hasSize(8);
    assertThat(records.subList(0, 4))
        .allSatisfy(r -> assertThat(BatchScorer.isShadow(r.headers())).isFalse())
        .extracting(r -> ((ScoredImage) r.value()).prediction().modelVersion())
        .containsOnly(pool.version());
    assertThat(records.subList(4, 8))
        .allSatisfy(r -> assertThat(BatchScorer.isShadow(r.headers())).isTrue())
        .extracting(r -> ((ScoredImage) r.value()).prediction().id())
        .containsExactly("img-0", "img-1", "img-2", "img-3");
    assertThat(records.subList(4, 8))
        .extracting(r -> ((ScoredImage) r.value()).prediction().modelVersion())
        .containsOnly(b.version());
  }

  @Test
  void quarantinesAnActiveModelThatFailsOnABatchAndScoresTheBatchWithTheLastGoodOne() {
    ClassifierPool pool = ClassifierPool.of(Fixtures.reference().copy(), 1);
    String good = pool.version();
    pool.replace(PoisonedModels.cornerTrapClassifier());
    AppMetrics metrics = new AppMetrics();
    Processor<String, DigitImage, String, ScoredImage> scoring = started(pool, metrics);

    for (int i = 0; i < 8; i++) {
      // One image of the first batch trips the new model; the last good one scores it fine.
      DigitImage image =
          i == 1 ? PoisonedModels.cornerInked("img-1", 1) : Fixtures.image("img-" + i, i);
      scoring.process(new Record<>("img-" + i, image, 300));
    }

    // Both batches by the last good model, each image once, and the same answers it gives alone.
    assertThat(forwarded()).extracting(Prediction::id).containsExactly(ids(8));
    assertThat(forwarded()).extracting(Prediction::modelVersion).containsOnly(good);
    assertThat(forwarded().get(5).digit())
        .isEqualTo(Fixtures.reference().classify(Fixtures.image("img-5", 5).pixels()).digit());
    assertThat(pool.version()).isEqualTo(good);
    assertThat(pool.quarantine().contains("corner-trap")).isTrue();
    assertThat(pool.quarantine().get("corner-trap").orElseThrow().reason())
        .contains("model corner-trap failed on a batch of 4 images")
        .contains("NaN");
    assertThat(metrics.modelsQuarantined()).isEqualTo(1);
    assertThat(metrics.scrape()).contains("digitstream_model_quarantined_total 1.0");
    assertThat(count()).isZero();
  }

  @Test
  void deadLettersOnlyTheImagesThatFailAloneWhenNoModelScoresTheirBatch() {
    ClassifierPool pool = ClassifierPool.of(PoisonedModels.cornerTrapClassifier(), 1);
    Processor<String, DigitImage, String, ScoredImage> scoring = started(pool, new AppMetrics());

    scoring.process(new Record<>("img-0", Fixtures.image("img-0", 0), 300));
    scoring.process(new Record<>("trap", PoisonedModels.cornerInked("trap", 1), 301));
    scoring.process(new Record<>("img-2", Fixtures.image("img-2", 2), 302));
    scoring.process(new Record<>("img-3", Fixtures.image("img-3", 3), 303));

    var toAll = context.forwarded().stream().filter(f -> f.childName().isEmpty()).toList();
    assertThat(toAll)
        .extracting(f -> ((ScoredImage) f.record().value()).prediction().id())
        .containsExactly("img-0", "img-2", "img-3");
    var dead =
        context.forwarded().stream()
            .filter(f -> f.childName().equals(java.util.Optional.of(BatchScorer.UNSCORABLE)))
            .toList();
    assertThat(dead).hasSize(1);
    var letter = dead.get(0).record();
    assertThat(letter.key()).isEqualTo("trap");
    assertThat(letter.timestamp()).isEqualTo(301);
    assertThat(BatchScorer.isUnscorable(letter.headers())).isTrue();
    assertThat(
            io.digitstream.record.Codec.images()
                .decode(letter.headers().lastHeader(BatchScorer.UNSCORABLE_IMAGE_HEADER).value())
                .pixels())
        .isEqualTo(PoisonedModels.cornerInked("trap", 1).pixels());
    assertThat(
            new String(
                letter.headers().lastHeader(BatchScorer.UNSCORABLE_REASON_HEADER).value(),
                java.nio.charset.StandardCharsets.UTF_8))
        .contains("model corner-trap fails on this image")
        .contains("NaN");
    // The only model is not quarantined for one image's sake.
    assertThat(pool.quarantine().entries()).isEmpty();
    assertThat(count()).isZero();
  }

  @Test
  void stopsTheThreadWhenTheOnlyModelFailsEvenOnABlankImage() {
    ClassifierPool pool = ClassifierPool.of(PoisonedModels.nanAlways(), 1);
    Processor<String, DigitImage, String, ScoredImage> scoring = started(pool, new AppMetrics());
    for (int i = 0; i < 3; i++) {
      scoring.process(new Record<>("img-" + i, Fixtures.image("img-" + i, i), 300));
    }

    assertThatThrownBy(
            () -> scoring.process(new Record<>("img-3", Fixtures.image("img-3", 3), 300)))
        .isInstanceOf(ScoringException.class)
        .hasMessageContaining("model nan-always failed on a batch of 4 images, on each alone");
    assertThat(context.forwarded()).isEmpty();
    // Nothing deleted: the batch is scored again after the restart.
    assertThat(count()).isEqualTo(4);
  }

  @Test
  void quarantinesOnAnOutOfMemoryErrorAsOnAnyOtherModelFailure() {
    // javacpp throws OutOfMemoryError when its off-heap limit is reached: a model failure too.
    ClassifierPool pool = ClassifierPool.of(Fixtures.reference().copy(), 1);
    String good = pool.version();
    DigitClassifier poisoned = PoisonedModels.cornerTrapClassifier();
    pool.replace(poisoned);
    assertThat(
            ModelFailure.isModelFailure(new OutOfMemoryError("Physical memory usage is too high")))
        .isTrue();
    assertThat(ModelFailure.isModelFailure(new UnsatisfiedLinkError("no jnind4jcpu"))).isTrue();
    assertThat(ModelFailure.isModelFailure(new InternalError("JVM"))).isFalse();
    assertThat(pool.fallbackForCurrentThread(poisoned.version()).version()).isEqualTo(good);
  }

  @Test
  void keepsPendingImagesInItsStoreWhenClosed() {
    scorer.init(context);
    scorer.process(new Record<>("img", Fixtures.image("img", 0), 300));

    scorer.close();

    assertThat(count()).isEqualTo(1);
    assertThat(context.forwarded()).isEmpty();
  }

  @Test
  void storesPendingImagesCompactlyAndReadsThemBack() {
    PendingImage image = pending("ünïcode-id", 7, 1_234_567_890_123L);
    PendingImage.StoreSerde serde = new PendingImage.StoreSerde();

    byte[] bytes = serde.serializer().serialize("changelog", image);

    assertThat(bytes).hasSizeLessThan(DigitImage.PIXELS + 32);
    assertThat(serde.deserializer().deserialize("changelog", bytes)).isEqualTo(image);
  }

  private void punctuate(long now) {
    context.setCurrentSystemTimeMs(now);
    context.scheduledPunctuators().get(0).getPunctuator().punctuate(now);
  }

  private List<Prediction> forwarded() {
    return context.forwarded().stream()
        .map(f -> ((ScoredImage) f.record().value()).prediction())
        .toList();
  }

  /** A scorer of its own with {@code pool}, initialised on the test's context. */
  private Processor<String, DigitImage, String, ScoredImage> started(
      ClassifierPool pool, AppMetrics metrics) {
    Processor<String, DigitImage, String, ScoredImage> scoring =
        BatchScorer.supplier(BATCHING, pool, metrics).get();
    scoring.init(context);
    return scoring;
  }

  private static String[] ids(int n) {
    String[] ids = new String[n];
    for (int i = 0; i < n; i++) {
      ids[i] = "img-" + i;
    }
    return ids;
  }

  private long count() {
    try (var all = store.all()) {
      long n = 0;
      for (; all.hasNext(); all.next()) {
        n++;
      }
      return n;
    }
  }

  private static PendingImage pending(String id, int digit, long timestamp) {
    return PendingImage.of(Fixtures.image(id, digit), timestamp);
  }
}
