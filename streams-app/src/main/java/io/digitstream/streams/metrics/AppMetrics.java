package io.digitstream.streams.metrics;

import io.digitstream.record.Prediction;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The application's own meters and the Prometheus registry that also carries Kafka Streams'
 * metrics. One instance per running application; the topology's processors and the exception
 * handlers record into it. Every recording method is a counter increment or a histogram update,
 * cheap enough for the scoring path.
 *
 * <p>Counters count what was processed, not what was committed: after a crash, records processed
 * again under exactly-once are counted again. The exactly-once figures are the accuracy matrices.
 */
public final class AppMetrics implements AutoCloseable {
  /**
   * The key under which the running application hands this object to its exception handlers through
   * the Kafka Streams configuration.
   */
  public static final String CONFIG_KEY = "digitstream.internal.metrics";

  /**
   * Outcomes of a label at the join, the {@code outcome} tag of {@code digitstream.join.labels}.
   */
  public enum LabelOutcome {
    /** Paired with at least one prediction. */
    PAIRED,
    /** Its image's prediction was there, but more than the lateness away in time. */
    LATE,
    /** No prediction for its id arrived within the join window: an id never seen. */
    UNMATCHED,
    /** The id already had a label in this round. */
    DUPLICATE
  }

  /** Outcomes of a prediction at the join: tag of {@code digitstream.join.predictions}. */
  public enum PredictionOutcome {
    /** Paired with its label. */
    PAIRED,
    /** No label in time before the join window closed. */
    UNLABELLED,
    /** The same model version had already scored this id in this round. */
    DUPLICATE
  }

  /**
   * What became of a model announcement: tag {@code outcome} of {@code digitstream.model.reloads}.
   */
  public enum ModelReload {
    /** The announced model passed its checks and now scores. */
    LOADED,
    /** The announced version was already in its role. */
    UNCHANGED,
    /** Shadow mode ended by announcement. */
    RETIRED,
    /** The bundle failed a check (missing, checksum, version, load, smoke prediction). */
    REFUSED,
    /** The announcement record itself could not be read. */
    INVALID,
    /** The record's key is not the announcement's role. */
    MISKEYED,
    /** The announced version is quarantined on this instance. */
    QUARANTINED
  }

  /** Where a dead letter came from: tag of {@code digitstream.dead.letters}. */
  public enum DeadLetterStage {
    DESERIALIZATION,
    PROCESSING
  }

  private final PrometheusMeterRegistry registry;
  private final Counter imagesScored;
  private final Counter[] predictionsByDigit = new Counter[10];
  private final Map<DeadLetterStage, Counter> deadLetters = new LinkedHashMap<>();
  private final Map<LabelOutcome, Counter> labels = new LinkedHashMap<>();
  private final Map<PredictionOutcome, Counter> joinedPredictions = new LinkedHashMap<>();
  private final Counter accuracyDeltasTooLate;
  private final DistributionSummary batchSize;
  private final Timer scoringLatency;
  private final Timer endToEndLatency;
  private final Map<String, double[]> rollingAccuracy = new ConcurrentHashMap<>();
  private final Map<String, double[]> gauges = new ConcurrentHashMap<>();
  private final Map<String, Counter> outOfDistribution = new ConcurrentHashMap<>();
  private final Map<ModelReload, Counter> modelReloads = new LinkedHashMap<>();
  private final Map<String, double[]> activeModel = new ConcurrentHashMap<>();
  private final Counter modelsQuarantined;
  private final Counter modelDivergence;
  private final double[] modelPeersDiverging = {0};
  private final Counter watcherRestarts;
  private final Counter streamThreadsReplaced;
  private final Throughput throughput;
  private KafkaStreamsMetrics streamsMetrics;

  /**
   * Kafka Streams names a store metric's tag after the store type ({@code rocksdb-state-id}, {@code
   * in-memory-state-id}, ...), but Prometheus wants one set of tag keys per meter name, so the
   * registry refused the second type's meters (with a warning at start). All become {@code
   * state.id} plus {@code store.type}.
   */
  static final MeterFilter ONE_STORE_TAG =
      new MeterFilter() {
        @Override
        public Meter.Id map(Meter.Id id) {
          if (!id.getName().startsWith(STORE_METRICS)) {
            return id;
          }
          List<Tag> tags = new ArrayList<>();
          boolean renamed = false;
          for (Tag tag : id.getTagsAsIterable()) {
            if (tag.getKey().endsWith(STATE_ID) && !tag.getKey().equals("state.id")) {
              String type = tag.getKey().substring(0, tag.getKey().length() - STATE_ID.length());
              tags.add(Tag.of("state.id", tag.getValue()));
              tags.add(Tag.of("store.type", type));
              renamed = true;
            } else {
              tags.add(tag);
            }
          }
          return renamed ? id.replaceTags(tags) : id;
        }
      };

  private static final String STORE_METRICS = "kafka.stream.state.";
  private static final String STATE_ID = ".state.id";

  public AppMetrics() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(ONE_STORE_TAG);
    imagesScored =
        Counter.builder("digitstream.images.scored")
            .description("Images scored by the model")
            .register(registry);
    for (int d = 0; d < predictionsByDigit.length; d++) {
      predictionsByDigit[d] =
          Counter.builder("digitstream.predictions")
              .description("Predictions by predicted digit")
              .tag("digit", String.valueOf(d))
              .register(registry);
    }
    for (DeadLetterStage stage : DeadLetterStage.values()) {
      deadLetters.put(
          stage,
          Counter.builder("digitstream.dead.letters")
              .description("Records sent to the dead-letter topic")
              .tag("stage", lower(stage))
              .register(registry));
    }
    for (LabelOutcome outcome : LabelOutcome.values()) {
      labels.put(
          outcome,
          Counter.builder("digitstream.join.labels")
              .description("Labels at the label join, by outcome")
              .tag("outcome", lower(outcome))
              .register(registry));
    }
    for (PredictionOutcome outcome : PredictionOutcome.values()) {
      joinedPredictions.put(
          outcome,
          Counter.builder("digitstream.join.predictions")
              .description("Predictions at the label join, by outcome")
              .tag("outcome", lower(outcome))
              .register(registry));
    }
    for (ModelReload outcome : ModelReload.values()) {
      modelReloads.put(
          outcome,
          Counter.builder("digitstream.model.reloads")
              .description("Model announcements handled, by outcome")
              .tag("outcome", lower(outcome))
              .register(registry));
    }
    modelsQuarantined =
        Counter.builder("digitstream.model.quarantined")
            .description(
                "Models taken out of service after failing on a batch the last good model scored")
            .register(registry);
    modelDivergence =
        Counter.builder("digitstream.model.divergence")
            .description(
                "Times this instance found other instances serving another active model for"
                    + " longer than the grace period")
            .register(registry);
    Gauge.builder("digitstream.model.peers.diverging", modelPeersDiverging, h -> h[0])
        .description("Instances that now serve another active model than this one")
        .register(registry);
    watcherRestarts =
        Counter.builder("digitstream.model.watcher.restarts")
            .description("Times the model announcement watcher failed and was started again")
            .register(registry);
    streamThreadsReplaced =
        Counter.builder("digitstream.stream.threads.replaced")
            .description(
                "Stream threads replaced after the brokers lost their transaction (a failover);"
                    + " their uncommitted work was re-read")
            .register(registry);
    accuracyDeltasTooLate =
        Counter.builder("digitstream.accuracy.deltas.too.late")
            .description(
                "Accuracy deltas that came after some of their windows had been dropped;"
                    + " those windows keep their final value")
            .register(registry);
    batchSize =
        DistributionSummary.builder("digitstream.batch.size")
            .description("Images per scored batch")
            .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096)
            .register(registry);
    scoringLatency =
        Timer.builder("digitstream.scoring.latency")
            .description("Time the model takes for one batch")
            .publishPercentiles(0.5, 0.99)
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry);
    endToEndLatency =
        Timer.builder("digitstream.end.to.end.latency")
            .description("From the image's timestamp to its prediction being made")
            .publishPercentiles(0.5, 0.99)
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofMinutes(10))
            .register(registry);
    throughput = new Throughput(imagesScored::count);
  }

  /** Adds Kafka Streams' own metrics of {@code streams} to the registry. */
  public synchronized void bind(KafkaStreams streams) {
    streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(registry);
  }

  /** A scored batch: its size, how long the model took, and each image's digit and latency. */
  public void batchScored(int size, long nanos) {
    imagesScored.increment(size);
    batchSize.record(size);
    scoringLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * One prediction: its digit, whether its input is out of distribution, and the time from its
   * image's timestamp to now.
   */
  public void predicted(Prediction prediction, long imageTimestamp, long scoredAt) {
    predictionsByDigit[prediction.digit()].increment();
    if (Boolean.TRUE.equals(prediction.outOfDistribution())) {
      outOfDistribution
          .computeIfAbsent(
              prediction.modelVersion(),
              v ->
                  Counter.builder("digitstream.out.of.distribution")
                      .description("Predictions whose input is out of distribution, per version")
                      .tag("model_version", v)
                      .register(registry))
          .increment();
    }
    long latency = scoredAt - imageTimestamp;
    // A producer's clock ahead of ours would give a negative latency; it measures nothing.
    if (latency >= 0) {
      endToEndLatency.record(latency, TimeUnit.MILLISECONDS);
    }
  }

  public void deadLetter(DeadLetterStage stage) {
    deadLetters.get(stage).increment();
  }

  public void label(LabelOutcome outcome) {
    labels.get(outcome).increment();
  }

  public void prediction(PredictionOutcome outcome) {
    joinedPredictions.get(outcome).increment();
  }

  /** A delta too late for at least one of its windows, which no longer exist. */
  public void accuracyDeltaTooLate() {
    accuracyDeltasTooLate.increment();
  }

  public long accuracyDeltasTooLate() {
    return (long) accuracyDeltasTooLate.count();
  }

  public void modelReload(ModelReload outcome) {
    modelReloads.get(outcome).increment();
  }

  public long modelReloads(ModelReload outcome) {
    return (long) modelReloads.get(outcome).count();
  }

  /** A model quarantined: {@code digitstream_model_quarantined_total}. */
  public void modelQuarantined() {
    modelsQuarantined.increment();
  }

  public long modelsQuarantined() {
    return (long) modelsQuarantined.count();
  }

  /**
   * How many instances serve another active model now (gauge {@code
   * digitstream_model_peers_diverging}); {@code started} counts a divergence that has just
   * outlasted its grace period ({@code digitstream_model_divergence_total}).
   */
  public void modelDivergence(int diverging, boolean started) {
    modelPeersDiverging[0] = diverging;
    if (started) {
      modelDivergence.increment();
    }
  }

  public long modelDivergences() {
    return (long) modelDivergence.count();
  }

  /** The announcement watcher failed and was started again. */
  public void watcherRestarted() {
    watcherRestarts.increment();
  }

  public void streamThreadReplaced() {
    streamThreadsReplaced.increment();
  }

  public long streamThreadsReplaced() {
    return (long) streamThreadsReplaced.count();
  }

  /**
   * Marks {@code version} as the model scoring now: gauge {@code digitstream.model.active} is 1 for
   * it and 0 for every version that was active before on this instance.
   */
  public void activeModel(String version) {
    activeModel.values().forEach(holder -> holder[0] = 0);
    activeModel
            .computeIfAbsent(
                version,
                v -> {
                  double[] holder = {0};
                  Gauge.builder("digitstream.model.active", holder, h -> h[0])
                      .description("1 for the model version scoring now, 0 for earlier ones")
                      .tag("model_version", v)
                      .register(registry);
                  return holder;
                })[0] =
        1;
  }

  /**
   * The accuracy of {@code modelVersion}'s latest full hopping window, as seen by the instance that
   * aggregates that version; exported as gauge {@code digitstream.accuracy.rolling}.
   */
  public void rollingAccuracy(String modelVersion, double accuracy) {
    rollingAccuracy
            .computeIfAbsent(
                modelVersion,
                v -> {
                  double[] holder = {Double.NaN};
                  Gauge.builder("digitstream.accuracy.rolling", holder, h -> h[0])
                      .description("Accuracy over the latest hopping window, per model version")
                      .tag("model_version", v)
                      .register(registry);
                  return holder;
                })[0] =
        accuracy;
  }

  /**
   * The monitoring figures of the latest tumbling window of a model version, exported by the
   * instance that aggregates it: {@code digitstream_accuracy_estimated}, {@code
   * digitstream_accuracy_tumbling}, {@code digitstream_calibration_error} (cumulative pairs) and
   * {@code digitstream_drift_score{score}}. A figure that cannot be computed is NaN.
   */
  public void windowFigures(
      String modelVersion,
      double estimated,
      double measured,
      double calibrationError,
      Map<String, Double> driftScores) {
    versionGauge(
            "digitstream.accuracy.estimated",
            "Estimated accuracy, latest tumbling window",
            modelVersion,
            Tag.of("model_version", modelVersion))[0] =
        estimated;
    versionGauge(
            "digitstream.accuracy.tumbling",
            "Measured accuracy, latest tumbling window",
            modelVersion,
            Tag.of("model_version", modelVersion))[0] =
        measured;
    versionGauge(
            "digitstream.calibration.error",
            "Expected calibration error, cumulative pairs",
            modelVersion,
            Tag.of("model_version", modelVersion))[0] =
        calibrationError;
    driftScores.forEach(
        (score, value) ->
            versionGauge(
                    "digitstream.drift.score",
                    "Drift score of the latest tumbling window",
                    modelVersion + "|" + score,
                    Tag.of("model_version", modelVersion),
                    Tag.of("score", score))[0] =
                value == null ? Double.NaN : value);
  }

  /** Whether an alert is firing: gauge {@code digitstream_alerts_firing{model_version,kind}}. */
  public void alert(String modelVersion, String kind, boolean firing) {
    versionGauge(
            "digitstream.alerts.firing",
            "1 while the alert fires, 0 once resolved",
            modelVersion + "|" + kind,
            Tag.of("model_version", modelVersion),
            Tag.of("kind", kind))[0] =
        firing ? 1 : 0;
  }

  private double[] versionGauge(String name, String description, String key, Tag... tags) {
    return gauges.computeIfAbsent(
        name + "|" + key,
        k -> {
          double[] holder = {Double.NaN};
          Gauge.builder(name, holder, h -> h[0])
              .description(description)
              .tags(List.of(tags))
              .register(registry);
          return holder;
        });
  }

  /** The registry, for tests and for binding more meters. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Everything in the Prometheus text format. */
  public String scrape() {
    return registry.scrape();
  }

  public long imagesScored() {
    return (long) imagesScored.count();
  }

  public long predictions(int digit) {
    return (long) predictionsByDigit[digit].count();
  }

  public long deadLetters() {
    return (long) deadLetters.values().stream().mapToDouble(Counter::count).sum();
  }

  public long labels(LabelOutcome outcome) {
    return (long) labels.get(outcome).count();
  }

  public long predictions(PredictionOutcome outcome) {
    return (long) joinedPredictions.get(outcome).count();
  }

  public Throughput throughput() {
    return throughput;
  }

  /** Median and 99th percentile over the last two minutes or so, in milliseconds. */
  public Latency scoringLatency() {
    return Latency.of(scoringLatency.takeSnapshot());
  }

  /** Median and 99th percentile over the last two minutes or so, in milliseconds. */
  public Latency endToEndLatency() {
    return Latency.of(endToEndLatency.takeSnapshot());
  }

  /** This instance's figures, for the summary. */
  public InstanceStats stats(String server, String state) {
    Map<String, Long> labelCounts = new LinkedHashMap<>();
    labels.forEach((outcome, counter) -> labelCounts.put(lower(outcome), (long) counter.count()));
    Map<String, Long> predictionCounts = new LinkedHashMap<>();
    joinedPredictions.forEach(
        (outcome, counter) -> predictionCounts.put(lower(outcome), (long) counter.count()));
    List<Long> byDigit = new ArrayList<>(predictionsByDigit.length);
    for (Counter c : predictionsByDigit) {
      byDigit.add((long) c.count());
    }
    return new InstanceStats(
        server,
        state,
        imagesScored(),
        throughput.rate(),
        throughput.history(),
        scoringLatency(),
        endToEndLatency(),
        deadLetters(),
        labelCounts,
        predictionCounts,
        byDigit);
  }

  @Override
  public synchronized void close() {
    throughput.close();
    if (streamsMetrics != null) {
      streamsMetrics.close();
    }
    registry.close();
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * Latency percentiles in milliseconds; 0 when nothing was recorded recently.
   *
   * @param p50 the median
   * @param p99 the 99th percentile
   * @param max the largest recent value
   */
  public record Latency(double p50, double p99, double max) {
    static Latency of(HistogramSnapshot snapshot) {
      double p50 = 0;
      double p99 = 0;
      for (ValueAtPercentile v : snapshot.percentileValues()) {
        if (v.percentile() == 0.5) {
          p50 = v.value(TimeUnit.MILLISECONDS);
        } else if (v.percentile() == 0.99) {
          p99 = v.value(TimeUnit.MILLISECONDS);
        }
      }
      return new Latency(p50, p99, snapshot.max(TimeUnit.MILLISECONDS));
    }

    /** The worse of two instances' figures, percentile by percentile. */
    public Latency worst(Latency other) {
      return new Latency(
          Math.max(p50, other.p50), Math.max(p99, other.p99), Math.max(max, other.max));
    }
  }
}
