package io.digitstream.streams.monitor;

import io.digitstream.record.Alert;
import io.digitstream.streams.accuracy.QueryUnavailableException;
import io.digitstream.topic.Topics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The current state of every alert, from this instance's copy of the compacted alerts topic (a
 * global store): every instance answers the whole list by itself, nothing is forwarded.
 */
public final class AlertQueries {
  /** The global store of the alerts topic, keyed as the topic is ({@link Alert#key()}). */
  public static final String CURRENT_STORE = "alerts-current";

  /** Firing before resolved; within each, the latest change first. */
  static final Comparator<Alert> ORDER =
      Comparator.comparing((Alert a) -> !a.firing())
          .thenComparing(Comparator.<Alert>comparingLong(Alert::changedAt).reversed())
          .thenComparing((Alert a) -> a.key());

  private final Supplier<ReadOnlyKeyValueStore<String, Alert>> store;

  /** Reads {@code store}; it may throw {@link InvalidStateStoreException} while not available. */
  public AlertQueries(Supplier<ReadOnlyKeyValueStore<String, Alert>> store) {
    this.store = store;
  }

  /** Reads the store of the running application ({@code streams} may return null before start). */
  public static AlertQueries of(Supplier<KafkaStreams> streams) {
    return new AlertQueries(
        () -> {
          KafkaStreams running = streams.get();
          if (running == null) {
            throw new InvalidStateStoreException("the application has not started");
          }
          return running.store(
              StoreQueryParameters.fromNameAndType(
                  CURRENT_STORE, QueryableStoreTypes.<String, Alert>keyValueStore()));
        });
  }

  /**
   * Adds the global store of the alerts topic to {@code builder}: the one definition that the
   * application's topology and the tests share.
   */
  public static void attachCurrentStore(StreamsBuilder builder, Topics topics) {
    Topics.Topic<Alert> alerts = topics.alerts();
    builder.globalTable(
        alerts.name(),
        Consumed.with(alerts.keySerde(), alerts.valueSerde()).withName("current-alerts"),
        Materialized.<String, Alert, KeyValueStore<Bytes, byte[]>>as(CURRENT_STORE)
            .withKeySerde(alerts.keySerde())
            .withValueSerde(alerts.valueSerde()));
  }

  /** Every alert's latest state: firing first, then resolved, the latest change first in each. */
  public AlertList current() {
    List<Alert> out = new ArrayList<>();
    try (KeyValueIterator<String, Alert> all = store.get().all()) {
      all.forEachRemaining(e -> out.add(e.value));
    } catch (InvalidStateStoreException e) {
      throw new QueryUnavailableException("the alerts are not available here now", e);
    }
    out.sort(ORDER);
    return new AlertList(out);
  }

  /**
   * The answer of {@code GET /api/alerts}.
   *
   * @param alerts firing first, then resolved; the latest change first in each
   */
  public record AlertList(List<Alert> alerts) {
    public AlertList {
      alerts = List.copyOf(alerts);
    }
  }
}
