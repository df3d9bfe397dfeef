package io.digitstream.streams.scoring;

import io.digitstream.image.InputStats;
import io.digitstream.image.Pixels;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.MonitoringReference;
import io.digitstream.record.Codec;
import io.digitstream.record.DigitImage;
import io.digitstream.record.Prediction;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.monitor.ImageRingSettings;
import io.digitstream.streams.monitor.ImageRings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores images in micro-batches without weakening exactly-once. Each accepted image is first
 * written to a changelogged store of pending images; a batch is scored when it is full (in {@link
 * #process}) or when its oldest image has waited the maximum time (on a wall-clock punctuation),
 * and the flush forwards the predictions and deletes the batch from the store. Store writes,
 * predictions and input offsets commit in one transaction, so after a crash or a rebalance the
 * pending images come back from the changelog and are scored exactly once. See {@code
 * docs/architecture.md}, section Scoring.
 *
 * <p>The store is keyed by the image's position in the current batch (0, 1, 2, ...), not by a
 * growing sequence: the changelog then never holds more than one batch worth of keys, so a
 * compacted changelog restores in moments however long the application has run.
 */
public final class BatchScorer implements Processor<String, DigitImage, String, ScoredImage> {
  /**
   * The pending-images store; its changelog is {@code <application.id>-pending-images-changelog}.
   */
  public static final String STORE = "pending-images";

  /**
   * Header on the predictions of the shadow model ({@code shadow}); also on the records of the
   * shadow predictions topic.
   */
  public static final String ROLE_HEADER = "digitstream.model.role";

  /**
   * The child that turns images their model fails on into dead letters; {@code AppTopology} gives
   * the node this name.
   */
  public static final String UNSCORABLE = "unscorable";

  /** Header of an {@value #UNSCORABLE} record: the image as JSON. */
  public static final String UNSCORABLE_IMAGE_HEADER = "digitstream.unscorable.image";

  /** Header of an {@value #UNSCORABLE} record: why the model failed on it. */
  public static final String UNSCORABLE_REASON_HEADER = "digitstream.unscorable.reason";

  private static final byte[] SHADOW_ROLE = "shadow".getBytes(StandardCharsets.UTF_8);
  private static final Logger log = LoggerFactory.getLogger(BatchScorer.class);
  private static final long NOTHING_PENDING = Long.MAX_VALUE;

  private final Batching batching;
  private final ClassifierPool classifiers;
  private final AppMetrics metrics;
  private final ImageRings rings;
  private final List<Slot> pending = new ArrayList<>();
  private ProcessorContext<String, ScoredImage> context;
  private KeyValueStore<Integer, PendingImage> store;
  private long oldestPendingSince = NOTHING_PENDING;

  private BatchScorer(
      Batching batching, ClassifierPool classifiers, AppMetrics metrics, ImageRings rings) {
    this.rings = rings;
    this.batching = batching;
    this.classifiers = classifiers;
    this.metrics = metrics;
  }

  /** Supplies one scorer per task, each connected to its own pending-images store. */
  public static ProcessorSupplier<String, DigitImage, String, ScoredImage> supplier(
      Batching batching, ClassifierPool classifiers, AppMetrics metrics) {
    return supplier(batching, classifiers, metrics, new ImageRings(ImageRingSettings.defaults()));
  }

  /** A scorer that also offers each scored image to the page's image rings. */
  public static ProcessorSupplier<String, DigitImage, String, ScoredImage> supplier(
      Batching batching, ClassifierPool classifiers, AppMetrics metrics, ImageRings rings) {
    return new ProcessorSupplier<>() {
      @Override
      public Processor<String, DigitImage, String, ScoredImage> get() {
        return new BatchScorer(batching, classifiers, metrics, rings);
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return Set.of(storeBuilder());
      }
    };
  }

  static StoreBuilder<KeyValueStore<Integer, PendingImage>> storeBuilder() {
    return Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(STORE), Serdes.Integer(), new PendingImage.StoreSerde())
        // Small segments let the cleaner compact the changelog soon; it restores faster.
        .withLoggingEnabled(Map.of(TopicConfig.SEGMENT_BYTES_CONFIG, String.valueOf(16 << 20)))
        // An image put and deleted within one commit interval reaches the changelog only as
        // the slot's final state, so most images never cost a changelog write of their pixels.
        .withCachingEnabled();
  }

  @Override
  public void init(ProcessorContext<String, ScoredImage> context) {
    this.context = context;
    this.store = context.getStateStore(STORE);
    // init runs after restoration, also when a task is revived on the same instance.
    pending.clear();
    try (KeyValueIterator<Integer, PendingImage> restored = store.all()) {
      restored.forEachRemaining(entry -> pending.add(new Slot(entry.key, entry.value)));
    }
    pending.sort(Comparator.comparingInt(Slot::index));
    // Restored images have already waited an unknown time: score them at the first check.
    oldestPendingSince = pending.isEmpty() ? NOTHING_PENDING : 0;
    context.schedule(batching.checkInterval(), PunctuationType.WALL_CLOCK_TIME, this::flushIfDue);
  }

  @Override
  public void process(Record<String, DigitImage> record) {
    int index = pending.isEmpty() ? 0 : pending.get(pending.size() - 1).index() + 1;
    PendingImage image = PendingImage.of(record.value(), record.timestamp());
    store.put(index, image);
    if (pending.isEmpty()) {
      oldestPendingSince = context.currentSystemTimeMs();
    }
    pending.add(new Slot(index, image));
    if (pending.size() >= batching.maxSize()) {
      flush();
    }
  }

  private void flushIfDue(long now) {
    if (!pending.isEmpty() && now - oldestPendingSince >= batching.maxWait().toMillis()) {
      flush();
    }
  }

  private void flush() {
    int n = pending.size();
    float[] input = new float[n * DigitImage.PIXELS];
    for (int i = 0; i < n; i++) {
      Pixels.normalise(pending.get(i).image().pixels(), input, i * DigitImage.PIXELS);
    }
    long started = System.nanoTime();
    Scored scored = score(input, n);
    // The real clock: the context's time is cached per loop of the stream thread and can be
    // older than this batch's inference.
    long scoredAt = System.currentTimeMillis();
    metrics.batchScored(scored.count(), System.nanoTime() - started);
    InputStats[] stats = new InputStats[n];
    for (int i = 0; i < n; i++) {
      PendingImage image = pending.get(i).image();
      if (scored.probabilities()[i] == null) {
        deadLetter(image, scored.version(), scored.failures()[i]);
        continue;
      }
      ScoredImage prediction =
          monitored(image, scored.probabilities()[i], scored, scoredAt, stats, i);
      metrics.predicted(prediction.prediction(), image.timestamp(), scoredAt);
      // Before forwarding: a pair made at once finds the pixels.
      rings.scored(context.taskId(), image.id(), image.pixels(), prediction.prediction());
      context.forward(new Record<>(image.id(), prediction, image.timestamp()));
    }
    scoreShadow(input, n, scoredAt, scored, stats);
    // Deleting after forwarding: under at-least-once a crash in between repeats, never loses.
    for (Slot slot : pending) {
      // put(null) deletes without reading back (and deserialising) the old value, as delete does.
      store.put(slot.index(), null);
    }
    pending.clear();
    oldestPendingSince = NOTHING_PENDING;
  }

  /**
   * The batch's probabilities and the version that gave them. The classifier is taken once per
   * batch: a model switch takes effect between two batches, and every prediction of a batch names
   * the version that really scored it. When the current model fails (an exception, an error such as
   * javacpp's out-of-memory, or output that is not ten finite probabilities per image), the last
   * good model scores the same batch; if it succeeds the failed model is quarantined. If it fails
   * too, the batch is to blame, not the model: {@link #isolate} finds the images at fault.
   */
  private Scored score(float[] input, int n) {
    DigitClassifier active = classifiers.forCurrentThread();
    Throwable failure;
    try {
      return new Scored(active, checked(active, input, n), new String[n]);
    } catch (Throwable t) {
      ModelFailure.rethrowIfFatal(t);
      failure = t;
    }
    String reason =
        "model "
            + active.version()
            + " failed on a batch of "
            + n
            + " images: "
            + ModelFailure.describe(failure);
    DigitClassifier fallback = classifiers.fallbackForCurrentThread(active.version());
    if (fallback != null) {
      try {
        float[][] probabilities = checked(fallback, input, n);
        if (classifiers.quarantine(active.version(), fallback.version(), reason)) {
          log.error(
              "{}; quarantined it, model {} scored the batch and serves from now on",
              reason,
              fallback.version(),
              failure);
          metrics.modelQuarantined();
          metrics.activeModel(classifiers.version());
        }
        return new Scored(fallback, probabilities, new String[n]);
      } catch (Throwable t) {
        ModelFailure.rethrowIfFatal(t);
        log.warn(
            "{}; model {} failed on it too ({}), so the batch is at fault: scoring its images one"
                + " by one",
            reason,
            fallback.version(),
            ModelFailure.describe(t));
      }
    }
    return isolate(active, input, n, failure);
  }

  /**
   * Scores each image of a batch alone with {@code classifier}; the images that fail alone are
   * dead-lettered. If the model cannot score even a blank image, nothing here is the images' fault:
   * the model or the native runtime is broken, and the stream thread stops ({@link
   * ScoringException}) so that the batch is scored again after a restart.
   */
  private Scored isolate(DigitClassifier classifier, float[] input, int n, Throwable batchFailure) {
    float[][] probabilities = new float[n][];
    String[] failures = new String[n];
    int scored = 0;
    for (int i = 0; i < n; i++) {
      float[] one = Arrays.copyOfRange(input, i * DigitImage.PIXELS, (i + 1) * DigitImage.PIXELS);
      try {
        probabilities[i] = checked(classifier, one, 1)[0];
        scored++;
      } catch (Throwable t) {
        ModelFailure.rethrowIfFatal(t);
        failures[i] = ModelFailure.describe(t);
      }
    }
    if (scored == 0) {
      try {
        checked(classifier, new float[DigitImage.PIXELS], 1);
      } catch (Throwable t) {
        ModelFailure.rethrowIfFatal(t);
        throw new ScoringException(
            "model "
                + classifier.version()
                + " failed on a batch of "
                + n
                + " images, on each alone and on a blank image",
            batchFailure);
      }
    }
    return new Scored(classifier, probabilities, failures);
  }

  /** The classifier's output, or an exception saying why it is not a model's answer. */
  private static float[][] checked(DigitClassifier classifier, float[] input, int n) {
    float[][] out = classifier.output(input, n);
    Optional<String> invalid = DigitClassifier.invalidOutput(out, n);
    if (invalid.isPresent()) {
      throw new IllegalStateException("invalid output: " + invalid.get());
    }
    return out;
  }

  /**
   * Sends an image that its model failed on, alone, to the dead-letter branch ({@value
   * #UNSCORABLE}): its JSON and the reason travel in headers of an empty prediction record, which
   * that branch turns into the dead letter.
   */
  private void deadLetter(PendingImage image, String version, String reason) {
    log.warn(
        "Dead-lettering image {}: model {} fails on it alone: {}", image.id(), version, reason);
    Headers headers =
        new RecordHeaders()
            .add(UNSCORABLE_IMAGE_HEADER, Codec.images().encode(image.toImage()))
            .add(
                UNSCORABLE_REASON_HEADER,
                ("model " + version + " fails on this image: " + reason)
                    .getBytes(StandardCharsets.UTF_8));
    context.forward(new Record<>(image.id(), null, image.timestamp(), headers), UNSCORABLE);
  }

  /**
   * The prediction of one image, calibrated and scored for being out of distribution when the model
   * has a monitoring reference. The image's figures are computed once per batch position and shared
   * by the active and the shadow model.
   */
  private static ScoredImage monitored(
      PendingImage image,
      float[] probabilities,
      Scored scored,
      long scoredAt,
      InputStats[] stats,
      int i) {
    Prediction prediction =
        Prediction.fromProbabilities(
            image.id(), probabilities, scored.version(), image.timestamp(), scoredAt);
    MonitoringReference reference = scored.reference();
    if (reference == null) {
      return new ScoredImage(prediction, null, null);
    }
    if (stats[i] == null) {
      stats[i] = InputStats.of(image.pixels());
    }
    float[] calibrated = reference.calibrate(probabilities);
    double ood = reference.oodScore(stats[i], calibrated);
    return new ScoredImage(
        prediction.withMonitoring(
            calibrated[prediction.digit()], ood, reference.outOfDistribution(ood)),
        stats[i],
        reference);
  }

  /** True for the record of an image sent to the {@value #UNSCORABLE} branch. */
  public static boolean isUnscorable(Headers headers) {
    return headers.lastHeader(UNSCORABLE_IMAGE_HEADER) != null;
  }

  /**
   * What a batch came to: per image its probabilities, or null and why it failed.
   *
   * @param version the model that scored it
   */
  private record Scored(
      String version, MonitoringReference reference, float[][] probabilities, String[] failures) {
    Scored(DigitClassifier classifier, float[][] probabilities, String[] failures) {
      this(classifier.version(), classifier.monitoring().orElse(null), probabilities, failures);
    }

    int count() {
      int c = 0;
      for (float[] p : probabilities) {
        c += p == null ? 0 : 1;
      }
      return c;
    }
  }

  /**
   * In shadow mode, scores the same batch with the candidate and forwards its predictions marked
   * with {@link #ROLE_HEADER}, so they reach the label join but not the predictions topic. A
   * candidate that fails is retired rather than taking the active model's scoring down with it.
   */
  private void scoreShadow(float[] input, int n, long scoredAt, Scored active, InputStats[] stats) {
    DigitClassifier shadow = null;
    float[][] probabilities;
    try {
      shadow = classifiers.shadowForCurrentThread();
      if (shadow == null) {
        return;
      }
      probabilities = checked(shadow, input, n);
    } catch (Throwable e) {
      ModelFailure.rethrowIfFatal(e);
      if (shadow != null && classifiers.retireShadow(shadow, ModelFailure.describe(e))) {
        log.error("Shadow model {} failed on a batch; shadow mode ended", shadow.version(), e);
      }
      return;
    }
    for (int i = 0; i < n; i++) {
      if (active.probabilities()[i] == null) {
        // Dead-lettered: no active prediction for the shadow's to be compared with.
        continue;
      }
      PendingImage image = pending.get(i).image();
      ScoredImage prediction =
          monitored(
              image, probabilities[i], new Scored(shadow, probabilities, null), scoredAt, stats, i);
      context.forward(
          new Record<>(
              image.id(),
              prediction,
              image.timestamp(),
              new RecordHeaders().add(ROLE_HEADER, SHADOW_ROLE.clone())));
    }
  }

  /** True for a prediction this processor made with the shadow model. */
  public static boolean isShadow(Headers headers) {
    Header role = headers.lastHeader(ROLE_HEADER);
    return role != null && Arrays.equals(role.value(), SHADOW_ROLE);
  }

  @Override
  public void close() {
    // Pending images stay in the store (and its changelog): the task's next owner scores them.
    pending.clear();
    rings.taskClosed(context.taskId());
  }

  private record Slot(int index, PendingImage image) {}
}
