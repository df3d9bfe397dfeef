package io.digitstream.streams.accuracy;

import io.digitstream.accuracy.WindowMonitor;
import io.digitstream.record.DigitLabel;
import io.digitstream.record.Prediction;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.metrics.AppMetrics.LabelOutcome;
import io.digitstream.streams.metrics.AppMetrics.PredictionOutcome;
import io.digitstream.streams.monitor.ImageRingSettings;
import io.digitstream.streams.monitor.ImageRings;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Pairs each prediction with the label of its image, whichever arrives first, and forwards one
 * {@link LabelledPrediction} per pair. Both inputs are keyed by image id and come from
 * co-partitioned topics, so an id's prediction and label meet in the same task.
 *
 * <p>The join works in rounds per image id. A round opens with the first record of an id that is
 * not remembered, and stays open for {@code lateness + grace} of join time. In a round the first
 * label is the truth, and each model version's first prediction is paired with it once if their
 * timestamps (image time, label time) are at most {@code lateness} apart. When the round closes,
 * what never paired is counted (a prediction without label, a label that came too late or for an id
 * never seen). A round whose predictions all went without a label is then kept closed for as long
 * again, so that its label, should it still come, is counted late; every other round is forgotten
 * at once. Everything else is counted and dropped, never paired twice. See docs/accuracy.md.
 *
 * <p>Join time is the slower of the two inputs' clocks (the newest image time among the
 * predictions, the newest label time among the labels), not Kafka Streams' stream time: labels cost
 * nothing to process and run ahead of a scorer with a backlog, and in a replay either topic may be
 * read minutes of event time ahead of the other; closing rounds by the faster one would give up on
 * partners that are still coming. An input that brought this task nothing for {@code idle} (wall
 * clock) stops holding the clock back, so a deployment without labels, or a pause in either stream,
 * does not keep rounds forever. Join time never goes backwards. *
 *
 * <p>The rounds store is changelogged, and the pairs, the store writes and the input offsets commit
 * together under exactly-once, so every pair reaches the counts exactly once. The deadline index is
 * derived from the rounds, so it has no changelog: {@link #init} rebuilds it.
 */
public final class LabelJoin implements Processor<String, JoinInput, String, LabelledPrediction> {
  /** Rounds by image id; changelog {@code <application.id>-label-join-rounds-changelog}. */
  public static final String ROUNDS_STORE = "label-join-rounds";

  /**
   * When each round is due, keyed by big-endian deadline then image id, for ordered expiry; not
   * changelogged, rebuilt from the rounds at every task start.
   */
  public static final String DEADLINES_STORE = "label-join-deadlines";

  private static final byte[] PRESENT = new byte[0];
  private static final Duration MAX_EXPIRY_INTERVAL = Duration.ofSeconds(1);

  private final AccuracySettings settings;
  private final ImageRings rings;
  private final AppMetrics metrics;
  private ProcessorContext<String, LabelledPrediction> context;
  private KeyValueStore<String, JoinRound> rounds;
  private KeyValueStore<Bytes, byte[]> deadlines;
  // Deadlines below this were all handled; scanning from here skips the deleted ones.
  private long scannedUpTo;
  private long joinTime;
  private long predictionTime;
  private long labelTime;
  private long predictionSeenAt;
  private long labelSeenAt;
  private long nextExpiry;
  private long expiryInterval;

  private LabelJoin(AccuracySettings settings, AppMetrics metrics, ImageRings rings) {
    this.rings = rings;
    this.settings = settings;
    this.metrics = metrics;
  }

  /** One join per task, with its two stores. */
  public static ProcessorSupplier<String, JoinInput, String, LabelledPrediction> supplier(
      AccuracySettings settings, AppMetrics metrics) {
    return supplier(settings, metrics, new ImageRings(ImageRingSettings.defaults()));
  }

  /** A join that also tells the page's image rings of each pair. */
  public static ProcessorSupplier<String, JoinInput, String, LabelledPrediction> supplier(
      AccuracySettings settings, AppMetrics metrics, ImageRings rings) {
    return new ProcessorSupplier<>() {
      @Override
      public Processor<String, JoinInput, String, LabelledPrediction> get() {
        return new LabelJoin(settings, metrics, rings);
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return Set.of(roundsStore(), deadlinesStore());
      }
    };
  }

  // Persistent: these stores hold every id seen in the last 2 x (lateness + grace), which at
  // thousands of images per second is more than a heap should carry.
  static StoreBuilder<KeyValueStore<String, JoinRound>> roundsStore() {
    return Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(ROUNDS_STORE),
            Serdes.String(),
            new JoinRound.StoreSerde())
        .withLoggingEnabled(Map.of(TopicConfig.SEGMENT_BYTES_CONFIG, String.valueOf(64 << 20)))
        .withCachingEnabled();
  }

  static StoreBuilder<KeyValueStore<Bytes, byte[]>> deadlinesStore() {
    return Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(DEADLINES_STORE), Serdes.Bytes(), Serdes.ByteArray())
        .withLoggingDisabled()
        .withCachingEnabled();
  }

  @Override
  public void init(ProcessorContext<String, LabelledPrediction> context) {
    this.context = context;
    this.rounds = context.getStateStore(ROUNDS_STORE);
    this.deadlines = context.getStateStore(DEADLINES_STORE);
    // Every round gets its index entry back; entries left from an earlier run that no longer
    // match a round are skipped and deleted when their time comes.
    long open = settings.openMillis();
    try (KeyValueIterator<String, JoinRound> all = rounds.all()) {
      all.forEachRemaining(e -> deadlines.put(deadlineKey(e.value.deadline(open), e.key), PRESENT));
    }
    scannedUpTo = 0;
    // After a start or a restore both clocks begin again; each input counts as active (holding
    // the clock back) until it has been idle for the idle time.
    joinTime = -1;
    predictionTime = -1;
    labelTime = -1;
    predictionSeenAt = context.currentSystemTimeMs();
    labelSeenAt = predictionSeenAt;
    nextExpiry = 0;
    expiryInterval =
        Math.max(1, Math.min(MAX_EXPIRY_INTERVAL.toMillis(), settings.openMillis() / 10));
    // Idleness is a matter of wall-clock time: check it even when nothing arrives.
    context.schedule(MAX_EXPIRY_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::advanceJoinTime);
  }

  @Override
  public void process(Record<String, JoinInput> record) {
    String id = record.key();
    long timestamp = Math.max(0, record.timestamp());
    JoinRound round = rounds.get(id);
    long now = context.currentSystemTimeMs();
    if (record.value() instanceof JoinInput.Scored scored) {
      predictionTime = Math.max(predictionTime, timestamp);
      predictionSeenAt = now;
      onPrediction(id, round, scored.prediction(), timestamp);
    } else if (record.value() instanceof JoinInput.Labelled labelled) {
      labelTime = Math.max(labelTime, timestamp);
      labelSeenAt = now;
      onLabel(id, round, labelled.label(), timestamp);
    }
    advanceJoinTime(now);
  }

  /** Moves join time to the slower active input's clock and closes rounds that became due. */
  private void advanceJoinTime(long wallClock) {
    long idle = settings.idle().toMillis();
    boolean predictionsActive = wallClock - predictionSeenAt < idle;
    boolean labelsActive = wallClock - labelSeenAt < idle;
    long clock;
    if (predictionsActive && labelsActive) {
      clock = Math.min(predictionTime, labelTime);
    } else if (predictionsActive) {
      clock = predictionTime;
    } else if (labelsActive) {
      clock = labelTime;
    } else {
      clock = Math.max(predictionTime, labelTime);
    }
    if (clock <= joinTime) {
      return;
    }
    joinTime = clock;
    if (joinTime >= nextExpiry) {
      expire(joinTime);
      nextExpiry = joinTime + expiryInterval;
    }
  }

  private void onPrediction(String id, JoinRound round, Prediction prediction, long timestamp) {
    if (round != null && !round.closed() && round.prediction(prediction.modelVersion()) != null) {
      metrics.prediction(PredictionOutcome.DUPLICATE);
      return;
    }
    if (round == null || round.closed()) {
      // A new image with a remembered id (e.g. a data set published again) starts a new round.
      if (round != null) {
        deadlines.delete(deadlineKey(round.deadline(settings.openMillis()), id));
      }
      round = JoinRound.open(timestamp);
      scheduleDeadline(round, id);
    }
    JoinRound.Waiting waiting =
        round.addPrediction(
            prediction.modelVersion(),
            prediction.digit(),
            timestamp,
            (int) WindowMonitor.micros(prediction.confidence()));
    if (round.hasLabel() && inTime(round.labelTime(), timestamp)) {
      pair(id, round, waiting);
    }
    rounds.put(id, round);
  }

  private void onLabel(String id, JoinRound round, DigitLabel label, long timestamp) {
    if (round == null) {
      round = JoinRound.open(timestamp);
      round.setLabel(label.label(), timestamp);
      scheduleDeadline(round, id);
      rounds.put(id, round);
      return;
    }
    if (round.hasLabel()) {
      metrics.label(LabelOutcome.DUPLICATE);
      return;
    }
    round.setLabel(label.label(), timestamp);
    if (round.closed()) {
      // The round's prediction waited its full window for this label and was counted unlabelled;
      // the round keeps the label so that a further one counts as a duplicate.
      metrics.label(LabelOutcome.LATE);
    } else {
      for (JoinRound.Waiting waiting : round.predictions()) {
        if (inTime(timestamp, waiting.imageTimestamp)) {
          pair(id, round, waiting);
        }
      }
    }
    rounds.put(id, round);
  }

  private void pair(String id, JoinRound round, JoinRound.Waiting waiting) {
    waiting.paired = true;
    if (!round.labelPaired()) {
      round.markLabelPaired();
      metrics.label(LabelOutcome.PAIRED);
    }
    metrics.prediction(PredictionOutcome.PAIRED);
    rings.paired(context.taskId(), id, round.label(), asPrediction(id, waiting));
    context.forward(
        new Record<>(
            id,
            new LabelledPrediction(
                id,
                waiting.modelVersion,
                round.label(),
                waiting.digit,
                waiting.imageTimestamp,
                waiting.confidenceMicros),
            waiting.imageTimestamp));
  }

  // The ring needs only the digit, the confidence and the time; the round keeps no more.
  private static Prediction asPrediction(String id, JoinRound.Waiting w) {
    List<Double> probabilities = new ArrayList<>(Collections.nCopies(10, 0.0));
    double confidence =
        w.confidenceMicros < 0 ? 0 : (double) w.confidenceMicros / WindowMonitor.MICROS;
    probabilities.set(w.digit, confidence);
    return new Prediction(
        id,
        w.digit,
        confidence,
        probabilities,
        w.modelVersion,
        w.imageTimestamp,
        w.imageTimestamp,
        confidence,
        null,
        null);
  }

  private boolean inTime(long labelTime, long imageTime) {
    return Math.abs(labelTime - imageTime) <= settings.lateness().toMillis();
  }

  /** Closes the rounds whose window has passed and forgets those closed long enough. */
  private void expire(long now) {
    long open = settings.openMillis();
    List<KeyValue<Bytes, byte[]>> due = new ArrayList<>();
    // Deadlines strictly before now: the range's upper bound is the bare 8-byte prefix.
    try (KeyValueIterator<Bytes, byte[]> it = deadlines.range(prefix(scannedUpTo), prefix(now))) {
      it.forEachRemaining(due::add);
    }
    for (KeyValue<Bytes, byte[]> entry : due) {
      ByteBuffer key = ByteBuffer.wrap(entry.key.get());
      long deadline = key.getLong();
      String id = new String(entry.key.get(), Long.BYTES, key.remaining(), StandardCharsets.UTF_8);
      deadlines.delete(entry.key);
      JoinRound round = rounds.get(id);
      if (round == null || round.deadline(open) != deadline) {
        continue;
      }
      if (round.closed()) {
        rounds.delete(id);
      } else {
        countUnpaired(round);
        round.close();
        // Only a round still waiting for its label has a straggler worth classifying (late).
        if (round.hasLabel() || round.deadline(open) < now) {
          rounds.delete(id);
        } else {
          rounds.put(id, round);
          scheduleDeadline(round, id);
        }
      }
    }
    scannedUpTo = Math.max(scannedUpTo, now);
  }

  private void countUnpaired(JoinRound round) {
    for (JoinRound.Waiting waiting : round.predictions()) {
      if (!waiting.paired) {
        metrics.prediction(PredictionOutcome.UNLABELLED);
      }
    }
    if (round.hasLabel() && !round.labelPaired()) {
      metrics.label(round.predictions().isEmpty() ? LabelOutcome.UNMATCHED : LabelOutcome.LATE);
    }
  }

  private void scheduleDeadline(JoinRound round, String id) {
    long deadline = round.deadline(settings.openMillis());
    deadlines.put(deadlineKey(deadline, id), PRESENT);
    // A record older than what was already scanned must still be found by the next scan.
    scannedUpTo = Math.min(scannedUpTo, deadline);
  }

  static Bytes deadlineKey(long deadline, String id) {
    byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(
        ByteBuffer.allocate(Long.BYTES + idBytes.length).putLong(deadline).put(idBytes).array());
  }

  private static Bytes prefix(long time) {
    return Bytes.wrap(ByteBuffer.allocate(Long.BYTES).putLong(Math.max(0, time)).array());
  }
}
