package io.digitstream.streams;

import io.digitstream.config.ConfigException;
import io.digitstream.config.Settings;
import io.digitstream.streams.accuracy.AccuracySettings;
import io.digitstream.streams.deadletter.DeadLetterDeserializationHandler;
import io.digitstream.streams.deadletter.DeadLetterProcessingHandler;
import io.digitstream.streams.models.ModelSettings;
import io.digitstream.streams.models.ModelSources;
import io.digitstream.streams.monitor.ImageRingSettings;
import io.digitstream.streams.monitor.MonitorSettings;
import io.digitstream.streams.scoring.Batching;
import io.digitstream.streams.web.HttpSettings;
import io.digitstream.topic.TopicNames;
import io.digitstream.topic.TopicPlan;
import io.digitstream.topic.TopicRole;
import io.digitstream.topic.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streams application's configuration: digitstream's own {@code digitstream.*} keys, and every
 * other key passed to Kafka Streams and its clients untouched (security, {@code producer.*}, {@code
 * consumer.*}, ...). Loaded in layers by {@link Settings#load} and validated at once, so a bad
 * value fails the start with the key and what was expected.
 *
 * @param kafka the properties for {@code KafkaStreams}, digitstream keys removed
 * @param topics the topic registry
 * @param model the model bundle directory
 * @param batching micro-batch size and wait
 * @param createTopics whether missing topics are created at start
 * @param partitions partitions of topics the application creates
 * @param replicationFactor replication factor of topics the application creates; empty follows the
 *     cluster size (see {@link io.digitstream.topic.Replication})
 * @param nativeThreads native (ND4J/OpenBLAS) threads per inference call
 * @param accuracy the label join and the accuracy windows
 * @param http where the REST server and the accuracy page listen
 * @param rocksDbMemoryMb the memory budget of all RocksDB stores together, MiB
 * @param models retries of refused announcements and the comparison with other instances
 * @param modelSources where announced bundles may come from and who must have signed them
 * @param pageImages how many images the page's rings keep per task
 */
public record StreamsSettings(
    Properties kafka,
    Topics topics,
    Path model,
    Batching batching,
    boolean createTopics,
    int partitions,
    Optional<Short> replicationFactor,
    int nativeThreads,
    AccuracySettings accuracy,
    HttpSettings http,
    int rocksDbMemoryMb,
    ModelSettings models,
    ModelSources modelSources,
    MonitorSettings monitoring,
    ImageRingSettings pageImages) {

  public static final String MODEL = "digitstream.model";
  public static final String BATCH_MAX_SIZE = "digitstream.batch.max.size";
  public static final String BATCH_MAX_WAIT_MS = "digitstream.batch.max.wait.ms";
  public static final String TOPICS_CREATE = TopicPlan.CREATE;
  public static final String TOPICS_PARTITIONS = TopicPlan.PARTITIONS;
  public static final String TOPICS_REPLICATION_FACTOR = TopicPlan.REPLICATION_FACTOR;
  public static final String NATIVE_THREADS = "digitstream.native.threads";
  public static final String SHADOW_TOPIC = TopicRole.SHADOW_PREDICTIONS.settingsKey();
  public static final String ROCKSDB_MEMORY_MB = "digitstream.rocksdb.memory.mb";

  private static final Logger log = LoggerFactory.getLogger(StreamsSettings.class);
  private static final String OWN_PREFIX = "digitstream.";
  private static final List<String> OWN_KEYS =
      List.of(
          MODEL,
          BATCH_MAX_SIZE,
          BATCH_MAX_WAIT_MS,
          TOPICS_CREATE,
          TOPICS_PARTITIONS,
          TOPICS_REPLICATION_FACTOR,
          NATIVE_THREADS,
          SHADOW_TOPIC,
          ROCKSDB_MEMORY_MB,
          ModelSources.DIRS,
          ModelSources.TRUSTED_KEYS,
          ModelSources.REQUIRE_SIGNATURE,
          AccuracySettings.LATENESS_MS,
          AccuracySettings.GRACE_MS,
          AccuracySettings.IDLE_MS,
          AccuracySettings.TUMBLING_MS,
          AccuracySettings.HOPPING_MS,
          AccuracySettings.ADVANCE_MS,
          AccuracySettings.FLUSH_MS,
          AccuracySettings.RETENTION_MS,
          AccuracySettings.MAX_FUTURE_MS,
          HttpSettings.HOST,
          HttpSettings.PORT,
          HttpSettings.ALLOWED_HOSTS,
          ModelSettings.RETRY_INITIAL_MS,
          ModelSettings.RETRY_MAX_MS,
          ModelSettings.RETRY_ATTEMPTS,
          ModelSettings.PEER_INTERVAL_MS,
          ModelSettings.DIVERGENCE_GRACE_MS,
          MonitorSettings.DIGIT_MIX,
          MonitorSettings.INPUT,
          MonitorSettings.CONFIDENCE,
          MonitorSettings.ERROR_SLACK,
          MonitorSettings.ERROR_THRESHOLD,
          MonitorSettings.MIN_IMAGES,
          MonitorSettings.MIN_PAIRS,
          MonitorSettings.ACCURACY_DROP,
          MonitorSettings.OOD_FRACTION,
          MonitorSettings.DEAD_LETTERS,
          MonitorSettings.CLEAR_RATIO,
          ImageRingSettings.PER_RING,
          ImageRingSettings.RECENT_PER_TASK);

  public StreamsSettings {
    kafka = copy(kafka);
  }

  /** The properties for {@code KafkaStreams}; a copy, callers may change it. */
  @Override
  public Properties kafka() {
    return copy(kafka);
  }

  /**
   * The lowest layer. {@code poll.ms} is not here: unless set, it is derived from the batch wait so
   * that a partial batch is noticed in time on a quiet topic.
   */
  public static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put(StreamsConfig.APPLICATION_ID_CONFIG, "digitstream-scorer");
    d.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
    d.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    d.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "2");
    d.put(
        StreamsConfig.STATE_DIR_CONFIG,
        Path.of("data", "streams-state").toAbsolutePath().toString());
    // Under exactly-once, predictions become visible to read_committed readers at each commit;
    // Kafka's default of 100 ms alone would use up the latency budget. 25 ms (with a 10 ms batch
    // wait) cut the median latency by about 40 % against 50 ms, for a tenth to a fifth of the
    // throughput (docs/benchmarks.md).
    d.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "25");
    d.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterDeserializationHandler.class.getName());
    d.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterProcessingHandler.class.getName());
    d.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
    // Kafka 4.3.1's partition assignor rebuilds a StreamsConfig from the main consumer's
    // settings, which lack the key above, and warns once per thread; this hands it over.
    d.put(
        StreamsConfig.MAIN_CONSUMER_PREFIX
            + StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG,
        "true");
    // Stores and changelogs keep their names when later branches are added to the topology.
    d.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
    d.put(MODEL, Path.of("models", "default").toString());
    d.put(ModelSources.REQUIRE_SIGNATURE, "true");
    d.put(BATCH_MAX_SIZE, "64");
    d.put(BATCH_MAX_WAIT_MS, "10");
    d.put(TOPICS_CREATE, "true");
    d.put(TOPICS_PARTITIONS, "4");
    d.put(NATIVE_THREADS, "1");
    d.put(SHADOW_TOPIC, TopicRole.SHADOW_PREDICTIONS.defaultName());
    d.put(ROCKSDB_MEMORY_MB, "128");
    // One memory budget for all RocksDB stores (the label join's), not one per store instance.
    d.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class.getName());
    AccuracySettings accuracy = AccuracySettings.defaults();
    d.put(AccuracySettings.LATENESS_MS, String.valueOf(accuracy.lateness().toMillis()));
    d.put(AccuracySettings.GRACE_MS, String.valueOf(accuracy.grace().toMillis()));
    d.put(AccuracySettings.IDLE_MS, String.valueOf(accuracy.idle().toMillis()));
    d.put(AccuracySettings.TUMBLING_MS, String.valueOf(accuracy.tumbling().toMillis()));
    d.put(AccuracySettings.HOPPING_MS, String.valueOf(accuracy.hopping().toMillis()));
    d.put(AccuracySettings.ADVANCE_MS, String.valueOf(accuracy.advance().toMillis()));
    d.put(AccuracySettings.FLUSH_MS, String.valueOf(accuracy.flushInterval().toMillis()));
    d.put(AccuracySettings.RETENTION_MS, String.valueOf(accuracy.retention().toMillis()));
    d.put(AccuracySettings.MAX_FUTURE_MS, String.valueOf(accuracy.maxFuture().toMillis()));
    d.put(HttpSettings.HOST, HttpSettings.DEFAULT_HOST);
    d.put(HttpSettings.PORT, String.valueOf(HttpSettings.DEFAULT_PORT));
    ModelSettings models = ModelSettings.defaults();
    d.put(ModelSettings.RETRY_INITIAL_MS, String.valueOf(models.retryInitial().toMillis()));
    d.put(ModelSettings.RETRY_MAX_MS, String.valueOf(models.retryMax().toMillis()));
    d.put(ModelSettings.RETRY_ATTEMPTS, String.valueOf(models.retryAttempts()));
    d.put(ModelSettings.PEER_INTERVAL_MS, String.valueOf(models.peerInterval().toMillis()));
    d.put(ModelSettings.DIVERGENCE_GRACE_MS, String.valueOf(models.divergenceGrace().toMillis()));
    d.putAll(MonitorSettings.defaultValues());
    d.put(ImageRingSettings.PER_RING, String.valueOf(ImageRingSettings.DEFAULT_PER_RING));
    d.put(
        ImageRingSettings.RECENT_PER_TASK,
        String.valueOf(ImageRingSettings.DEFAULT_RECENT_PER_TASK));
    return d;
  }

  /**
   * Defaults, then {@code file} (or none), then {@code DIGITSTREAM_*} variables from {@code env},
   * then {@code overrides}; validated.
   */
  public static StreamsSettings load(
      Path file, Map<String, String> env, Map<String, String> overrides) {
    return from(Settings.load(defaults(), file, ownKeysInEnvironment(env), overrides));
  }

  /**
   * {@link Settings#fromEnvironment} turns {@code DIGITSTREAM_BATCH_MAX_SIZE} into {@code
   * batch.max.size}; for digitstream's own keys (and {@code DIGITSTREAM_TOPIC_<ROLE>}, as
   * documented in docs/records.md) the variable is renamed so that it lands on {@code
   * digitstream.batch.max.size}. No Kafka client key has these names.
   */
  static Map<String, String> ownKeysInEnvironment(Map<String, String> env) {
    Map<String, String> out = new LinkedHashMap<>();
    env.forEach(
        (name, value) -> {
          String key =
              name.startsWith(Settings.ENV_PREFIX)
                  ? name.substring(Settings.ENV_PREFIX.length()).toLowerCase(Locale.ROOT)
                  : "";
          boolean own = isOwnKey(OWN_PREFIX + key.replace('_', '.'));
          out.put(
              own ? Settings.ENV_PREFIX + "DIGITSTREAM_" + key.toUpperCase(Locale.ROOT) : name,
              value);
        });
    return out;
  }

  /** Validates merged properties; throws {@link ConfigException} naming the first bad key. */
  public static StreamsSettings from(Properties merged) {
    warnAboutUnknownKeys(merged);
    TopicNames names;
    try {
      names = TopicNames.from(merged);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
    Batching batching =
        new Batching(
            Settings.intValue(merged, BATCH_MAX_SIZE, 1, Batching.MAX_SIZE),
            Duration.ofMillis(
                Settings.intValue(merged, BATCH_MAX_WAIT_MS, 1, (int) Batching.MAX_WAIT_MS)));
    boolean create = Settings.booleanValue(merged, TOPICS_CREATE);
    int partitions = Settings.intValue(merged, TOPICS_PARTITIONS, 1, 100_000);
    String rawReplication = merged.getProperty(TOPICS_REPLICATION_FACTOR, "").trim();
    Optional<Short> replication =
        rawReplication.isEmpty()
            ? Optional.empty()
            : Optional.of((short) Settings.intValue(merged, TOPICS_REPLICATION_FACTOR, 1, 32_767));
    int nativeThreads = Settings.intValue(merged, NATIVE_THREADS, 1, 256);
    AccuracySettings accuracy = accuracy(merged);
    HttpSettings http =
        HttpSettings.of(
            merged.getProperty(HttpSettings.HOST, "").trim(),
            Settings.intValue(merged, HttpSettings.PORT, 0, 65_535),
            merged.getProperty(HttpSettings.ALLOWED_HOSTS));
    int rocksDbMemoryMb = Settings.intValue(merged, ROCKSDB_MEMORY_MB, 16, 1 << 20);
    int hour = (int) Duration.ofHours(1).toMillis();
    ModelSettings models =
        new ModelSettings(
            millis(merged, ModelSettings.RETRY_INITIAL_MS, 10, hour),
            millis(merged, ModelSettings.RETRY_MAX_MS, 10, hour),
            Settings.intValue(merged, ModelSettings.RETRY_ATTEMPTS, 0, 1_000_000),
            millis(merged, ModelSettings.PEER_INTERVAL_MS, 100, hour),
            millis(merged, ModelSettings.DIVERGENCE_GRACE_MS, 0, Integer.MAX_VALUE));
    String model = merged.getProperty(MODEL);
    if (model == null || model.isBlank()) {
      throw ConfigException.invalid(MODEL, model, "the path of a model bundle directory");
    }

    Properties kafka = new Properties();
    for (String key : merged.stringPropertyNames()) {
      if (!key.startsWith(OWN_PREFIX)) {
        kafka.setProperty(key, merged.getProperty(key));
      }
    }
    String deadLetterKey = StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG;
    String configuredDeadLetters = kafka.getProperty(deadLetterKey);
    if (configuredDeadLetters != null && !configuredDeadLetters.equals(names.deadLetters())) {
      throw ConfigException.invalid(
          deadLetterKey,
          configuredDeadLetters,
          "the same topic as "
              + TopicNames.PREFIX
              + "dlq ("
              + names.deadLetters()
              + "); set the dead-letter topic with "
              + TopicNames.PREFIX
              + "dlq only");
    }
    // The topic registry is the one place that names the dead-letter topic.
    kafka.setProperty(deadLetterKey, names.deadLetters());
    if (!kafka.containsKey(StreamsConfig.POLL_MS_CONFIG)) {
      long wait = batching.maxWait().toMillis();
      kafka.setProperty(
          StreamsConfig.POLL_MS_CONFIG, String.valueOf(Math.max(1, Math.min(100, wait / 2))));
    }
    Settings.intValue(kafka, StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1, 256);
    validateWithKafka(kafka);

    return new StreamsSettings(
        kafka,
        new Topics(names),
        Path.of(model),
        batching,
        create,
        partitions,
        replication,
        nativeThreads,
        accuracy,
        http,
        rocksDbMemoryMb,
        models,
        ModelSources.from(merged, Path.of(model)),
        MonitorSettings.from(merged),
        new ImageRingSettings(
            Settings.intValue(
                merged, ImageRingSettings.PER_RING, 1, ImageRingSettings.MAX_PER_RING),
            Settings.intValue(
                merged,
                ImageRingSettings.RECENT_PER_TASK,
                1,
                ImageRingSettings.MAX_RECENT_PER_TASK)));
  }

  /**
   * Where this instance keeps the model versions it quarantined: beside Kafka Streams' own
   * directory of this application in {@code state.dir}, so that it lives as long as the local
   * state.
   */
  public Path quarantineFile() {
    return Path.of(kafka.getProperty(StreamsConfig.STATE_DIR_CONFIG))
        .resolve(
            kafka.getProperty(StreamsConfig.APPLICATION_ID_CONFIG) + ".quarantined-models.json");
  }

  /** The topic of the shadow model's predictions ({@value #SHADOW_TOPIC}). */
  public String shadowTopic() {
    return topics.names().shadowPredictions();
  }

  /** Whether and how the application creates the topics it misses. */
  public TopicPlan topicPlan() {
    return new TopicPlan(createTopics, Optional.of(partitions), replicationFactor);
  }

  private static AccuracySettings accuracy(Properties merged) {
    int day = (int) Duration.ofDays(1).toMillis();
    return new AccuracySettings(
        millis(merged, AccuracySettings.LATENESS_MS, 0, day),
        millis(merged, AccuracySettings.GRACE_MS, 0, day),
        millis(merged, AccuracySettings.IDLE_MS, 1, day),
        millis(merged, AccuracySettings.TUMBLING_MS, 1, day),
        millis(merged, AccuracySettings.HOPPING_MS, 1, day),
        millis(merged, AccuracySettings.ADVANCE_MS, 1, day),
        millis(merged, AccuracySettings.FLUSH_MS, 10, 60_000),
        millis(merged, AccuracySettings.RETENTION_MS, 1, Integer.MAX_VALUE),
        // At least a second: the stream thread's clock is read once per loop.
        millis(merged, AccuracySettings.MAX_FUTURE_MS, 1_000, Integer.MAX_VALUE));
  }

  private static Duration millis(Properties props, String key, int min, int max) {
    return Duration.ofMillis(Settings.intValue(props, key, min, max));
  }

  /** Whether the configured guarantee is exactly-once. */
  public boolean exactlyOnce() {
    return StreamsConfig.EXACTLY_ONCE_V2.equals(
        kafka.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
  }

  /** Every setting as {@code key=value} lines, secrets hidden, for the start-up log. */
  public String describe() {
    Properties all = kafka();
    all.setProperty(MODEL, model.toString());
    all.setProperty(BATCH_MAX_SIZE, String.valueOf(batching.maxSize()));
    all.setProperty(BATCH_MAX_WAIT_MS, String.valueOf(batching.maxWait().toMillis()));
    all.setProperty(TOPICS_CREATE, String.valueOf(createTopics));
    all.setProperty(TOPICS_PARTITIONS, String.valueOf(partitions));
    replicationFactor.ifPresent(r -> all.setProperty(TOPICS_REPLICATION_FACTOR, String.valueOf(r)));
    all.setProperty(NATIVE_THREADS, String.valueOf(nativeThreads));
    all.setProperty(AccuracySettings.LATENESS_MS, String.valueOf(accuracy.lateness().toMillis()));
    all.setProperty(AccuracySettings.GRACE_MS, String.valueOf(accuracy.grace().toMillis()));
    all.setProperty(AccuracySettings.IDLE_MS, String.valueOf(accuracy.idle().toMillis()));
    all.setProperty(AccuracySettings.TUMBLING_MS, String.valueOf(accuracy.tumbling().toMillis()));
    all.setProperty(AccuracySettings.HOPPING_MS, String.valueOf(accuracy.hopping().toMillis()));
    all.setProperty(AccuracySettings.ADVANCE_MS, String.valueOf(accuracy.advance().toMillis()));
    all.setProperty(AccuracySettings.FLUSH_MS, String.valueOf(accuracy.flushInterval().toMillis()));
    all.setProperty(AccuracySettings.RETENTION_MS, String.valueOf(accuracy.retention().toMillis()));
    all.setProperty(
        AccuracySettings.MAX_FUTURE_MS, String.valueOf(accuracy.maxFuture().toMillis()));
    all.setProperty(HttpSettings.HOST, http.host());
    all.setProperty(HttpSettings.PORT, String.valueOf(http.port()));
    all.setProperty(ROCKSDB_MEMORY_MB, String.valueOf(rocksDbMemoryMb));
    all.setProperty(
        ModelSettings.RETRY_INITIAL_MS, String.valueOf(models.retryInitial().toMillis()));
    all.setProperty(ModelSettings.RETRY_MAX_MS, String.valueOf(models.retryMax().toMillis()));
    all.setProperty(ModelSettings.RETRY_ATTEMPTS, String.valueOf(models.retryAttempts()));
    all.setProperty(
        ModelSettings.PEER_INTERVAL_MS, String.valueOf(models.peerInterval().toMillis()));
    all.setProperty(
        ModelSettings.DIVERGENCE_GRACE_MS, String.valueOf(models.divergenceGrace().toMillis()));
    modelSources.describeInto(all);
    topics.names().byRole().forEach((role, name) -> all.setProperty(role.settingsKey(), name));
    return Settings.describe(all);
  }

  // Kafka's own definitions know every key's type and range; let them judge.
  private static void validateWithKafka(Properties kafka) {
    try {
      new StreamsConfig(kafka);
    } catch (org.apache.kafka.common.config.ConfigException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  // A file may be shared with other digitstream programs, so unknown keys are not fatal.
  private static void warnAboutUnknownKeys(Properties merged) {
    Set<String> unknown = new TreeSet<>();
    for (String key : merged.stringPropertyNames()) {
      if (key.startsWith(OWN_PREFIX) && !isOwnKey(key)) {
        unknown.add(key);
      }
    }
    if (!unknown.isEmpty()) {
      log.warn(
          "Ignoring settings the streams application does not know: {} (known: {}, {}<role>)",
          unknown,
          OWN_KEYS,
          TopicNames.PREFIX);
    }
  }

  private static boolean isOwnKey(String key) {
    return OWN_KEYS.contains(key) || TopicRole.forSettingsKey(key).isPresent();
  }

  private static Properties copy(Properties source) {
    Properties p = new Properties();
    p.putAll(source);
    return p;
  }
}
