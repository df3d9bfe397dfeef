package io.digitstream.streams.scoring;

import io.digitstream.image.Pixels;
import io.digitstream.model.DigitClassifier;
import io.digitstream.record.DigitImage;
import io.digitstream.record.Prediction;
import io.digitstream.streams.metrics.AppMetrics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
public final class BatchScorer implements Processor<String, DigitImage, String, Prediction> {
  /**
   * The pending-images store; its changelog is {@code <application.id>-pending-images-changelog}.
   */
  public static final String STORE = "pending-images";

  /**
   * Header on the predictions of the shadow model ({@code shadow}); also on the records of the
   * shadow predictions topic.
   */
  public static final String ROLE_HEADER = "digitstream.model.role";

  private static final byte[] SHADOW_ROLE = "shadow".getBytes(StandardCharsets.UTF_8);
  private static final Logger log = LoggerFactory.getLogger(BatchScorer.class);
  private static final long NOTHING_PENDING = Long.MAX_VALUE;

  private final Batching batching;
  private final ClassifierPool classifiers;
  private final AppMetrics metrics;
  private final List<Slot> pending = new ArrayList<>();
  private ProcessorContext<String, Prediction> context;
  private KeyValueStore<Integer, PendingImage> store;
  private long oldestPendingSince = NOTHING_PENDING;

  private BatchScorer(Batching batching, ClassifierPool classifiers, AppMetrics metrics) {
    this.batching = batching;
    this.classifiers = classifiers;
    this.metrics = metrics;
  }

  /** Supplies one scorer per task, each connected to its own pending-images store. */
  public static ProcessorSupplier<String, DigitImage, String, Prediction> supplier(
      Batching batching, ClassifierPool classifiers, AppMetrics metrics) {
    return new ProcessorSupplier<>() {
      @Override
      public Processor<String, DigitImage, String, Prediction> get() {
        return new BatchScorer(batching, classifiers, metrics);
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
  public void init(ProcessorContext<String, Prediction> context) {
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
    // The classifier is taken once per batch: a model switch takes effect between two batches,
    // and every prediction of this batch names the version that really scored it.
    DigitClassifier classifier = null;
    float[][] probabilities;
    long started = System.nanoTime();
    try {
      classifier = classifiers.forCurrentThread();
      probabilities = classifier.output(input, n);
    } catch (RuntimeException e) {
      String version = classifier != null ? classifier.version() : classifiers.version();
      throw new ScoringException("model " + version + " failed on a batch of " + n + " images", e);
    }
    // The real clock: the context's time is cached per loop of the stream thread and can be
    // older than this batch's inference.
    long scoredAt = System.currentTimeMillis();
    metrics.batchScored(n, System.nanoTime() - started);
    for (int i = 0; i < n; i++) {
      PendingImage image = pending.get(i).image();
      Prediction prediction =
          Prediction.fromProbabilities(
              image.id(), probabilities[i], classifier.version(), image.timestamp(), scoredAt);
      metrics.predicted(prediction.digit(), image.timestamp(), scoredAt);
      context.forward(new Record<>(image.id(), prediction, image.timestamp()));
    }
    scoreShadow(input, n, scoredAt);
    // Deleting after forwarding: under at-least-once a crash in between repeats, never loses.
    for (Slot slot : pending) {
      // put(null) deletes without reading back (and deserialising) the old value, as delete does.
      store.put(slot.index(), null);
    }
    pending.clear();
    oldestPendingSince = NOTHING_PENDING;
  }

  /**
   * In shadow mode, scores the same batch with the candidate and forwards its predictions marked
   * with {@link #ROLE_HEADER}, so they reach the label join but not the predictions topic. A
   * candidate that fails is retired rather than taking the active model's scoring down with it.
   */
  private void scoreShadow(float[] input, int n, long scoredAt) {
    DigitClassifier shadow = null;
    float[][] probabilities;
    try {
      shadow = classifiers.shadowForCurrentThread();
      if (shadow == null) {
        return;
      }
      probabilities = shadow.output(input, n);
    } catch (RuntimeException e) {
      if (shadow != null && classifiers.retireShadow(shadow, String.valueOf(e.getMessage()))) {
        log.error("Shadow model {} failed on a batch; shadow mode ended", shadow.version(), e);
      }
      return;
    }
    for (int i = 0; i < n; i++) {
      PendingImage image = pending.get(i).image();
      Prediction prediction =
          Prediction.fromProbabilities(
              image.id(), probabilities[i], shadow.version(), image.timestamp(), scoredAt);
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
  }

  private record Slot(int index, PendingImage image) {}
}
