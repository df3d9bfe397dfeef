package io.digitstream.streams.accuracy;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.WindowKind;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Reads the accuracy matrices wherever they are. A model version's matrices all live in the one
 * task that owns its key; {@link KafkaStreams#queryMetadataForKey} names the instance running that
 * task, and a question about the version is answered from local state if that is this instance, or
 * forwarded to the owner's REST server otherwise. The list of versions is the union of every
 * instance's own. So every instance answers with whole matrices. See docs/architecture.md.
 *
 * <p>The {@code local*} methods read this instance's state only; they answer forwarded requests.
 */
public final class AccuracyQueries {
  /** Points of rolling-accuracy history in a {@link VersionSummary}. */
  public static final int HISTORY_POINTS = 90;

  private final Supplier<KafkaStreams> streams;
  private final HostInfo self;
  private final AccuracySettings settings;
  private final Peers peers;

  /**
   * @param streams the running application (may return null before it starts)
   * @param self this instance's {@code application.server} address
   */
  public AccuracyQueries(
      Supplier<KafkaStreams> streams, HostInfo self, AccuracySettings settings, Peers peers) {
    this.streams = streams;
    this.self = self;
    this.settings = settings;
    this.peers = peers;
  }

  /** Every model version with pairs, on any instance, sorted. */
  public List<String> versions() {
    Set<String> all = new TreeSet<>(localVersions());
    for (HostInfo host : otherInstances()) {
      peers
          .get(host, "/api/accuracy", VersionList.class)
          .ifPresent(list -> all.addAll(list.versions()));
    }
    return List.copyOf(all);
  }

  /** The version's summary from whichever instance holds it; empty if it has no pairs. */
  public Optional<VersionSummary> version(String modelVersion) {
    HostInfo owner = owner(modelVersion);
    return owner.equals(self)
        ? localVersion(modelVersion)
        : peers.get(owner, "/api/accuracy/" + encode(modelVersion), VersionSummary.class);
  }

  /**
   * The version's cumulative matrix as last committed to the accuracy topic, from this instance's
   * copy of that topic: whole whichever instance asks and whatever a rebalance is doing, and never
   * less than an earlier answer (the owning task's store may hold work that is still to commit, or
   * be restoring). It trails the owner's store by up to one flush interval.
   */
  public Optional<AccuracyWindow> cumulative(String modelVersion) {
    try {
      return Optional.ofNullable(committedStore().get(AccuracyWindow.cumulativeKey(modelVersion)));
    } catch (InvalidStateStoreException e) {
      throw new QueryUnavailableException("the accuracy state is not available here now", e);
    }
  }

  /** The version's newest {@code limit} windows of {@code kind}, newest first. */
  public List<AccuracyWindow> windows(String modelVersion, WindowKind kind, int limit) {
    HostInfo owner = owner(modelVersion);
    if (owner.equals(self)) {
      return localWindows(modelVersion, kind, limit);
    }
    String path =
        "/api/accuracy/"
            + encode(modelVersion)
            + "/windows?kind="
            + kind.label()
            + "&limit="
            + limit;
    return peers.get(owner, path, WindowList.class).map(WindowList::windows).orElse(List.of());
  }

  /** Versions whose state this instance holds. */
  public List<String> localVersions() {
    List<String> out = new ArrayList<>();
    try (KeyValueIterator<String, AccuracyWindow> all = cumulativeStore().all()) {
      all.forEachRemaining(e -> out.add(e.key));
    } catch (InvalidStateStoreException e) {
      throw new QueryUnavailableException("the accuracy state is not available here now", e);
    }
    Collections.sort(out);
    return out;
  }

  public Optional<AccuracyWindow> localCumulative(String modelVersion) {
    try {
      return Optional.ofNullable(cumulativeStore().get(modelVersion));
    } catch (InvalidStateStoreException e) {
      // The task moved away between finding the store and reading it.
      throw new QueryUnavailableException("the accuracy state is not available here now", e);
    }
  }

  public List<AccuracyWindow> localWindows(String modelVersion, WindowKind kind, int limit) {
    if (kind == WindowKind.CUMULATIVE) {
      return localCumulative(modelVersion).map(List::of).orElse(List.of());
    }
    return newest(windowStore(kind), modelVersion, Long.MAX_VALUE, limit);
  }

  public Optional<VersionSummary> localVersion(String modelVersion) {
    Optional<AccuracyWindow> cumulative = localCumulative(modelVersion);
    if (cumulative.isEmpty()) {
      return Optional.empty();
    }
    long hop = settings.hopping().toMillis();
    // Hopping windows ending after the newest bucket still lie partly in the future: skip them.
    long lastFullStart = cumulative.get().windowEnd() - hop;
    ReadOnlyWindowStore<String, AccuracyWindow> hopping = windowStore(WindowKind.HOPPING);
    List<AccuracyWindow> recent =
        lastFullStart < 0
            ? newest(hopping, modelVersion, Long.MAX_VALUE, HISTORY_POINTS)
            : newest(hopping, modelVersion, lastFullStart, HISTORY_POINTS);
    List<VersionSummary.AccuracyPoint> history = new ArrayList<>();
    for (int i = recent.size() - 1; i >= 0; i--) {
      AccuracyWindow w = recent.get(i);
      history.add(
          new VersionSummary.AccuracyPoint(
              w.windowEnd(), w.matrix().accuracy(), w.matrix().count()));
    }
    List<AccuracyWindow> tumbling = localWindows(modelVersion, WindowKind.TUMBLING, 1);
    return Optional.of(
        new VersionSummary(
            modelVersion,
            cumulative.get(),
            tumbling.isEmpty() ? null : tumbling.get(0),
            recent.isEmpty() ? null : recent.get(0),
            history));
  }

  /** The instance whose task holds the version's state. */
  public HostInfo owner(String modelVersion) {
    KafkaStreams running = running();
    KeyQueryMetadata metadata;
    try {
      metadata =
          running.queryMetadataForKey(
              AccuracyWindows.CUMULATIVE_STORE, modelVersion, Serdes.String().serializer());
    } catch (IllegalStateException | InvalidStateStoreException e) {
      throw new QueryUnavailableException("the application is not running", e);
    }
    if (metadata == null || KeyQueryMetadata.NOT_AVAILABLE.equals(metadata)) {
      throw new QueryUnavailableException(
          "the accuracy state is being assigned (rebalance in progress); try again", null);
    }
    return metadata.activeHost();
  }

  private List<HostInfo> otherInstances() {
    List<HostInfo> hosts = new ArrayList<>();
    try {
      for (StreamsMetadata m :
          running().streamsMetadataForStore(AccuracyWindows.CUMULATIVE_STORE)) {
        if (!m.hostInfo().equals(self)) {
          hosts.add(m.hostInfo());
        }
      }
    } catch (IllegalStateException | InvalidStateStoreException e) {
      throw new QueryUnavailableException("the application is not running", e);
    }
    return hosts;
  }

  private static List<AccuracyWindow> newest(
      ReadOnlyWindowStore<String, AccuracyWindow> store, String key, long maxStart, int limit) {
    List<AccuracyWindow> out = new ArrayList<>();
    try (WindowStoreIterator<AccuracyWindow> it =
        store.backwardFetch(key, Instant.EPOCH, Instant.ofEpochMilli(maxStart))) {
      while (it.hasNext() && out.size() < limit) {
        KeyValue<Long, AccuracyWindow> next = it.next();
        out.add(next.value);
      }
    } catch (InvalidStateStoreException e) {
      throw new QueryUnavailableException("the accuracy state is not available here now", e);
    }
    return out;
  }

  private ReadOnlyKeyValueStore<String, AccuracyWindow> committedStore() {
    return keyValueStore(AccuracyTopology.COMMITTED_STORE);
  }

  private ReadOnlyKeyValueStore<String, AccuracyWindow> cumulativeStore() {
    return keyValueStore(AccuracyWindows.CUMULATIVE_STORE);
  }

  private ReadOnlyKeyValueStore<String, AccuracyWindow> keyValueStore(String name) {
    try {
      return running()
          .store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.keyValueStore()));
    } catch (InvalidStateStoreException e) {
      throw new QueryUnavailableException("the accuracy state is not available here now", e);
    }
  }

  private ReadOnlyWindowStore<String, AccuracyWindow> windowStore(WindowKind kind) {
    String name =
        kind == WindowKind.TUMBLING
            ? AccuracyWindows.TUMBLING_STORE
            : AccuracyWindows.HOPPING_STORE;
    try {
      return running()
          .store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.windowStore()));
    } catch (InvalidStateStoreException e) {
      throw new QueryUnavailableException("the accuracy state is not available here now", e);
    }
  }

  private KafkaStreams running() {
    KafkaStreams current = streams.get();
    if (current == null) {
      throw new QueryUnavailableException("the application has not started", null);
    }
    return current;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /**
   * The answer of {@code GET /api/accuracy}.
   *
   * @param versions model versions, sorted
   */
  public record VersionList(List<String> versions) {}

  /**
   * The answer of {@code GET /api/accuracy/{version}/windows}.
   *
   * @param modelVersion the model version
   * @param kind the window kind
   * @param windows newest first
   */
  public record WindowList(String modelVersion, WindowKind kind, List<AccuracyWindow> windows) {
    public WindowList {
      windows = List.copyOf(windows);
    }
  }
}
