package io.digitstream.streams.monitor;

import io.digitstream.record.Alert;
import io.digitstream.record.AlertKind;
import io.digitstream.record.AlertState;
import io.digitstream.streams.metrics.AppMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
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
 * Counts the dead-letter topic's records per tumbling window of their timestamps (all of them meet
 * on one partition) and alerts when a window reaches {@link MonitorSettings#deadLetters()}. The
 * alert resolves on a wall-clock check once neither the window now running nor the one before it
 * holds more than {@link MonitorSettings#clearRatio()} of the threshold: a quiet topic brings no
 * record that could resolve it.
 */
public final class DeadLetterAlerts implements Processor<String, byte[], String, Alert> {
  /** Dead letters by tumbling window start. */
  public static final String COUNTS_STORE = "alerts-dead-letter-counts";

  private static final String KEY = Alert.key(Alert.ALL_VERSIONS, AlertKind.DEAD_LETTER_RISE);
  private static final long KEEP_WINDOWS = 60;

  private final MonitorSettings settings;
  private final long windowMs;
  private final AppMetrics metrics;
  private ProcessorContext<String, Alert> context;
  private KeyValueStore<Long, Long> counts;
  private KeyValueStore<String, Alert> states;

  private DeadLetterAlerts(MonitorSettings settings, Duration window, AppMetrics metrics) {
    this.settings = settings;
    this.windowMs = window.toMillis();
    this.metrics = metrics;
  }

  public static ProcessorSupplier<String, byte[], String, Alert> supplier(
      MonitorSettings settings, Duration window, AppMetrics metrics) {
    return new ProcessorSupplier<>() {
      @Override
      public Processor<String, byte[], String, Alert> get() {
        return new DeadLetterAlerts(settings, window, metrics);
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return Set.of(
            Stores.keyValueStoreBuilder(
                    Stores.inMemoryKeyValueStore(COUNTS_STORE), Serdes.Long(), Serdes.Long())
                .withLoggingEnabled(Map.of()),
            Stores.keyValueStoreBuilder(
                    Stores.inMemoryKeyValueStore(AlertEvaluator.STATE_STORE + "-dead-letters"),
                    Serdes.String(),
                    AlertTopology.alertSerde())
                .withLoggingEnabled(Map.of()));
      }
    };
  }

  @Override
  public void init(ProcessorContext<String, Alert> context) {
    this.context = context;
    counts = context.getStateStore(COUNTS_STORE);
    states = context.getStateStore(AlertEvaluator.STATE_STORE + "-dead-letters");
    context.schedule(
        Duration.ofMillis(Math.max(1000, windowMs / 6)),
        PunctuationType.WALL_CLOCK_TIME,
        this::resolveIfQuiet);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    long start = Math.floorDiv(record.timestamp(), windowMs) * windowMs;
    Long old = counts.get(start);
    long n = (old == null ? 0 : old) + 1;
    counts.put(start, n);
    prune(start);
    Alert current = states.get(KEY);
    if (n >= settings.deadLetters() && (current == null || !current.firing())) {
      long now = context.currentSystemTimeMs();
      emit(
          new Alert(
              Alert.ALL_VERSIONS,
              AlertKind.DEAD_LETTER_RISE,
              AlertState.FIRING,
              n,
              settings.deadLetters(),
              start,
              start + windowMs,
              n,
              now,
              now,
              AlertTopology.describe(AlertKind.DEAD_LETTER_RISE, true, n, settings.deadLetters())));
    }
  }

  private void resolveIfQuiet(long now) {
    Alert current = states.get(KEY);
    if (current == null || !current.firing()) {
      return;
    }
    long running = Math.floorDiv(now, windowMs) * windowMs;
    double limit = settings.deadLetters() * settings.clearRatio();
    long inRunning = countOf(running);
    long inPrevious = countOf(running - windowMs);
    if (Math.max(inRunning, inPrevious) < limit && now >= current.windowEnd()) {
      emit(
          new Alert(
              Alert.ALL_VERSIONS,
              AlertKind.DEAD_LETTER_RISE,
              AlertState.RESOLVED,
              inPrevious,
              settings.deadLetters(),
              running - windowMs,
              running,
              inPrevious,
              current.firedAt(),
              now,
              AlertTopology.describe(
                  AlertKind.DEAD_LETTER_RISE, false, inPrevious, settings.deadLetters())));
    }
  }

  private long countOf(long start) {
    Long n = counts.get(start);
    return n == null ? 0 : n;
  }

  private void prune(long newest) {
    List<Long> stale = new ArrayList<>();
    try (KeyValueIterator<Long, Long> it = counts.all()) {
      while (it.hasNext()) {
        KeyValue<Long, Long> e = it.next();
        if (e.key < newest - KEEP_WINDOWS * windowMs) {
          stale.add(e.key);
        }
      }
    }
    stale.forEach(counts::delete);
  }

  private void emit(Alert alert) {
    states.put(KEY, alert);
    metrics.alert(alert.modelVersion(), alert.kind().label(), alert.firing());
    context.forward(new Record<>(KEY, alert, alert.windowStart()));
  }
}
