package io.digitstream.streams;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.WindowKind;
import io.digitstream.config.ConfigException;
import io.digitstream.model.ModelAdmission;
import io.digitstream.model.ModelBundle;
import io.digitstream.model.ModelBundleException;
import io.digitstream.streams.accuracy.AccuracyQueries;
import io.digitstream.streams.accuracy.Peers;
import io.digitstream.streams.accuracy.QueryUnavailableException;
import io.digitstream.streams.accuracy.VersionSummary;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.metrics.InstanceStats;
import io.digitstream.streams.models.FleetModels;
import io.digitstream.streams.models.ModelSettings;
import io.digitstream.streams.models.ModelSources;
import io.digitstream.streams.models.ModelStatus;
import io.digitstream.streams.models.ModelSwitcher;
import io.digitstream.streams.models.ModelWatcher;
import io.digitstream.streams.monitor.AlertQueries;
import io.digitstream.streams.monitor.ImageKind;
import io.digitstream.streams.monitor.ImageList;
import io.digitstream.streams.monitor.ImageRings;
import io.digitstream.streams.monitor.MonitorSettings;
import io.digitstream.streams.monitor.PageImage;
import io.digitstream.streams.scoring.ClassifierPool;
import io.digitstream.streams.scoring.ModelFailure;
import io.digitstream.streams.scoring.Quarantine;
import io.digitstream.streams.web.Backend;
import io.digitstream.streams.web.Summary;
import io.digitstream.streams.web.WebServer;
import io.digitstream.topic.Replication;
import io.digitstream.topic.TopicProvisioner;
import io.digitstream.topic.TopicRole;
import io.digitstream.topic.TopicSetupException;
import io.digitstream.topic.TopicSpec;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring application as a service with a start and a stop, for the command line, the demo and
 * tests. {@link #start} loads the model, makes sure the topics exist, switches to the model
 * announced on the models topic if there is one, starts the HTTP server (page, REST API, metrics),
 * Kafka Streams and the watcher that follows new announcements; {@link #close} stops them and
 * waits, committing what was processed. In-process users read accuracy through {@link #accuracy()}
 * and {@link #summary()}.
 *
 * <p>A stream thread whose transaction the brokers lost (a broker failover) is replaced; any other
 * failure a stream thread cannot handle (the brokers gone past every timeout, a full disk) shuts
 * the whole client down: under exactly-once the uncommitted work is safe either way, and a process
 * that exits non-zero is what supervisors restart. See {@link ThreadFailures}.
 */
public final class ScoringService implements AutoCloseable {
  /** How long {@link #close()} waits for Kafka Streams to commit and stop. */
  public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(ScoringService.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  // The application reads or writes every topic of the registry.
  private static final Set<TopicRole> TOPICS = EnumSet.allOf(TopicRole.class);
  // The page asks for the summary every second; a slow instance is named rather than waited for.
  private static final Duration PEER_DEADLINE = Duration.ofSeconds(2);

  private final StreamsSettings settings;
  private final CountDownLatch running = new CountDownLatch(1);
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile Throwable failure;
  private final ThreadFailures threadFailures = new ThreadFailures();
  private volatile boolean wasRunning;
  private final Peers peers = new Peers();
  private volatile KafkaStreams streams;
  private Topology topology;
  private volatile AppMetrics metrics;
  private WebServer web;
  private volatile HostInfo self;
  private volatile AccuracyQueries queries;
  private volatile ModelSwitcher switcher;
  private ModelWatcher watcher;
  private volatile FleetModels fleet;
  private final ImageRings images;
  private final AlertQueries alerts = AlertQueries.of(() -> streams);

  public ScoringService(StreamsSettings settings) {
    this.settings = settings;
    this.images = new ImageRings(settings.pageImages());
  }

  /**
   * Loads the model, checks or creates the topics and starts the stream threads; returns once they
   * are started, before partitions are assigned (see {@link #awaitRunning}).
   */
  public synchronized void start() {
    if (streams != null) {
      throw new IllegalStateException("the scoring service was already started");
    }
    log.info("Starting with settings:\n{}", settings.describe());
    warnIfNotExactlyOnce();
    // The model first: a wrong path fails in milliseconds, without touching the cluster.
    ModelAdmission admission = settings.modelSources().admission();
    warnAboutModelTrust();
    ModelBundle bundle = ModelBundle.open(settings.model());
    admission.checkConfigured(bundle);
    ClassifierPool classifiers = loadModel(bundle);
    log.info("Model {} loaded from {}", bundle.version(), bundle.directory());
    Properties kafka = settings.kafka();
    provisionTopics(kafka);

    metrics = new AppMetrics();
    try {
      followModelAnnouncements(kafka, bundle, classifiers, admission);
      serveHttp(kafka);
      KafkaStreams created = createStreams(kafka, classifiers);
      streams = created;
      created.start();
      watcher.start();
      compareModelsWithOtherInstances(created);
    } catch (RuntimeException e) {
      closeWebAndMetrics();
      throw e;
    }
  }

  /**
   * The configured model, checked; any failure of the load (an error such as javacpp's
   * out-of-memory or a native library that does not link included) becomes a {@link
   * ModelBundleException}, which the command line reports in one line with exit code 2.
   */
  private ClassifierPool loadModel(ModelBundle bundle) {
    Quarantine quarantine;
    try {
      quarantine = Quarantine.at(settings.quarantineFile());
    } catch (UncheckedIOException e) {
      throw new ConfigException(e.getMessage());
    }
    try {
      return ClassifierPool.load(bundle, settings.nativeThreads(), quarantine);
    } catch (ModelBundleException e) {
      throw e;
    } catch (Throwable e) {
      ModelFailure.rethrowIfFatal(e);
      throw new ModelBundleException(
          "cannot load the model in " + bundle.directory() + ": " + ModelFailure.describe(e), e);
    }
  }

  private void warnAboutModelTrust() {
    ModelSources sources = settings.modelSources();
    if (!sources.requireSignature()) {
      log.warn(
          "{}=false: any bundle placed under {} and announced on the models topic is loaded,"
              + " whoever made it",
          ModelSources.REQUIRE_SIGNATURE,
          sources.dirs());
    } else if (sources.trustedKeys().isEmpty()) {
      // Normal for an instance that only ever serves its configured model.
      log.info(
          "{} is empty: every model announcement will be refused (unsigned or unknown signer)",
          ModelSources.TRUSTED_KEYS);
    }
  }

  private void warnIfNotExactlyOnce() {
    if (!settings.exactlyOnce()) {
      log.warn(
          "{} is not {}: a crash or rebalance can score an image twice",
          StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
          StreamsConfig.EXACTLY_ONCE_V2);
    }
  }

  /** Checks the topics of the registry, creating what is missing if allowed. */
  private void provisionTopics(Properties kafka) {
    String adminClientId = kafka.getProperty(StreamsConfig.APPLICATION_ID_CONFIG) + "-setup";
    Admin admin = Admin.create(new StreamsConfig(kafka).getAdminConfigs(adminClientId));
    try {
      TopicProvisioner provisioner =
          new TopicProvisioner(
              admin, kafka.getProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG), ADMIN_TIMEOUT);
      provisioner.ensure(settings.topics().names(), TOPICS, settings.topicPlan());
      replicateInternalTopics(kafka, provisioner.replication(settings.topicPlan()));
    } catch (TopicSetupException e) {
      if (e.problem() == TopicSetupException.Problem.MISSING) {
        throw new ConfigException(missingTopics(e));
      }
      throw e;
    } finally {
      // After a timeout a call may still be pending; do not wait another minute for it.
      admin.close(Duration.ofSeconds(1));
    }
  }

  /**
   * Changelogs and repartition topics get the replication of the application's own topics, unless
   * Kafka Streams' settings name it: one broker's loss must not lose join state.
   */
  private static void replicateInternalTopics(Properties kafka, Replication chosen) {
    kafka.putIfAbsent(StreamsConfig.REPLICATION_FACTOR_CONFIG, String.valueOf(chosen.factor()));
    String minInsync = StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
    kafka.putIfAbsent(minInsync, String.valueOf(chosen.minInsync()));
    log.info(
        "Topics: {}; internal topics: replication factor {}, min.insync.replicas {}",
        chosen.describe(),
        kafka.getProperty(StreamsConfig.REPLICATION_FACTOR_CONFIG),
        kafka.getProperty(minInsync));
  }

  /** An announced model overrides the configured one from the first batch on. */
  private void followModelAnnouncements(
      Properties kafka, ModelBundle bundle, ClassifierPool classifiers, ModelAdmission admission) {
    ModelSettings models = settings.models();
    switcher =
        new ModelSwitcher(
            classifiers,
            bundle.directory().toAbsolutePath().toString(),
            metrics,
            models,
            admission);
    watcher =
        new ModelWatcher(
            modelsConsumerConfig(kafka),
            settings.topics().names().models(),
            switcher,
            models::retryDelay,
            metrics::watcherRestarted);
    watcher.catchUp(ADMIN_TIMEOUT);
  }

  /**
   * Asks the other instances which model they serve, in the background (see {@link FleetModels}).
   */
  private void compareModelsWithOtherInstances(KafkaStreams created) {
    fleet =
        new FleetModels(
            () -> switcher.status().active().version(),
            () -> otherInstances(created),
            this::askModels,
            settings.models().divergenceGrace(),
            System::currentTimeMillis,
            metrics);
    fleet.start(settings.models().peerInterval());
  }

  private List<String> otherInstances(KafkaStreams created) {
    List<String> others = new ArrayList<>();
    if (created.state().isRunningOrRebalancing()) {
      for (StreamsMetadata other : created.metadataForAllStreamsClients()) {
        if (!other.hostInfo().equals(self)) {
          others.add(other.hostInfo().host() + ":" + other.hostInfo().port());
        }
      }
    }
    return others;
  }

  private Optional<FleetModels.Report> askModels(String server) {
    try {
      return peers.get(HostInfo.buildFromEndpoint(server), "/api/models", FleetModels.Report.class);
    } catch (QueryUnavailableException e) {
      return Optional.empty();
    }
  }

  /** This instance's answer at {@code /api/models}. */
  private FleetModels.Report localModels() {
    HostInfo me = self;
    ModelStatus status = switcher.status();
    return new FleetModels.Report(
        me == null ? null : me.host() + ":" + me.port(),
        state().name(),
        status.active().version(),
        status.shadowVersion());
  }

  /** The page, REST API and metrics; its address becomes {@code application.server}. */
  private void serveHttp(Properties kafka) {
    web = WebServer.start(settings.http(), new ServiceBackend());
    self = HostInfo.buildFromEndpoint(applicationServer(kafka, web.address()));
    kafka.setProperty(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
    queries = new AccuracyQueries(() -> streams, self, settings.accuracy(), peers);
  }

  private KafkaStreams createStreams(Properties kafka, ClassifierPool classifiers) {
    topology =
        new AppTopology(
                settings.topics(),
                settings.batching(),
                classifiers,
                settings.accuracy(),
                settings.monitoring(),
                images,
                metrics)
            .build(kafka);
    log.debug("Topology:\n{}", topology.describe());
    // The exception handlers are built by Kafka Streams; they find the metrics in their config.
    kafka.put(AppMetrics.CONFIG_KEY, metrics);
    kafka.put(BoundedRocksDbMemory.BUDGET_CONFIG, (long) settings.rocksDbMemoryMb() << 20);
    KafkaStreams created = new KafkaStreams(topology, kafka);
    created.setStateListener(this::onStateChange);
    created.setUncaughtExceptionHandler(this::onThreadFailure);
    metrics.bind(created);
    return created;
  }

  private StreamThreadExceptionResponse onThreadFailure(Throwable e) {
    long now = System.currentTimeMillis();
    StreamThreadExceptionResponse response = threadFailures.respond(e, now);
    if (response == StreamThreadExceptionResponse.REPLACE_THREAD) {
      metrics.streamThreadReplaced();
      log.warn(
          "Stream thread lost its transaction; replacing it, its uncommitted work is re-read"
              + " ({} of at most {} in {})",
          threadFailures.recentReplacements(now),
          ThreadFailures.MAX_REPLACEMENTS,
          ThreadFailures.WINDOW,
          e);
      return response;
    }
    failure = e;
    log.error("Stream thread failed; shutting the scoring service down", e);
    return response;
  }

  private void onStateChange(KafkaStreams.State now, KafkaStreams.State before) {
    log.info("Kafka Streams {} -> {}", before, now);
    if (now == KafkaStreams.State.RUNNING) {
      wasRunning = true;
      running.countDown();
    }
    if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
      running.countDown();
      terminated.countDown();
    }
  }

  /** Names every missing topic and the setting that would create it. */
  private String missingTopics(TopicSetupException e) {
    List<String> single = new ArrayList<>();
    e.missing()
        .forEach(
            (name, role) -> {
              if (role.spec().partitions() == TopicSpec.PartitionRule.ONE) {
                single.add(name + ": 1");
              }
            });
    return "Missing topics: "
        + e.describeMissing()
        + ". Create them, or set "
        + StreamsSettings.TOPICS_CREATE
        + "=true to let the application create them with "
        + settings.partitions()
        + " partitions"
        + (single.isEmpty() ? "" : " (" + String.join(", ", single) + ")")
        + settings
            .replicationFactor()
            .map(r -> " and replication factor " + r)
            .orElse(
                " and a replication factor that follows the cluster size (1 on one broker, 3 from three on)");
  }

  /** The connection and security settings of Kafka Streams' clients, for the models watcher. */
  private static Properties modelsConsumerConfig(Properties kafka) {
    String clientId = kafka.getProperty(StreamsConfig.APPLICATION_ID_CONFIG) + "-models";
    Properties config = new Properties();
    config.putAll(new StreamsConfig(kafka).getGlobalConsumerConfigs(clientId));
    return config;
  }

  /**
   * {@code application.server} as configured, or the REST server's bound address: this is where
   * other instances forward queries for state this instance holds.
   */
  private static String applicationServer(Properties kafka, InetSocketAddress bound) {
    String configured = kafka.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG);
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    String host = bound.getHostString();
    if (bound.getAddress().isAnyLocalAddress()) {
      try {
        host = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        host = "127.0.0.1";
      }
      log.warn(
          "The REST server listens on all interfaces; other instances will reach this one at"
              + " {}:{}. Set {} to an address they can reach if that is wrong.",
          host,
          bound.getPort(),
          StreamsConfig.APPLICATION_SERVER_CONFIG);
    }
    return host + ":" + bound.getPort();
  }

  /**
   * Waits until the stream threads first reach RUNNING (partitions assigned, state restored).
   *
   * @return true if running, false on timeout
   * @throws IllegalStateException if the service failed or stopped instead
   */
  public boolean awaitRunning(Duration timeout) throws InterruptedException {
    running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!wasRunning && terminated.getCount() == 0) {
      throw new IllegalStateException("the scoring service stopped before running", failure);
    }
    return wasRunning;
  }

  /** Blocks until Kafka Streams has stopped, by {@link #close} or by a fatal error. */
  public KafkaStreams.State awaitTermination() throws InterruptedException {
    synchronized (this) {
      if (streams == null) {
        throw new IllegalStateException("the scoring service was not started");
      }
    }
    terminated.await();
    return state();
  }

  /** The Kafka Streams state, or CREATED before {@link #start}. */
  public KafkaStreams.State state() {
    KafkaStreams current = streams;
    return current == null ? KafkaStreams.State.CREATED : current.state();
  }

  /** The failure that stopped a stream thread, if any. */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  /** The page's URL, e.g. {@code http://127.0.0.1:8080/}; empty before {@link #start}. */
  public synchronized Optional<URI> url() {
    return Optional.ofNullable(web).map(WebServer::url);
  }

  /**
   * The accuracy matrices of every instance, read from wherever they live.
   *
   * @throws QueryUnavailableException before {@link #start}
   */
  public AccuracyQueries accuracy() {
    AccuracyQueries queries = this.queries;
    if (queries == null) {
      // Also what the HTTP server sees in the moment between its start and Kafka Streams'.
      throw new QueryUnavailableException("the scoring service has not started", null);
    }
    return queries;
  }

  /** This instance's meters (and Kafka Streams'); null before {@link #start}. */
  public AppMetrics metrics() {
    return metrics;
  }

  /**
   * What the page shows: every model version's matrices and rolling accuracy, and the figures of
   * every instance. Parts that cannot be read now (a rebalance, an instance not answering) are left
   * out and named in {@link Summary#problems()}.
   */
  public Summary summary() {
    AccuracyQueries q = accuracy();
    List<String> problems = new ArrayList<>();
    List<VersionSummary> versions = new ArrayList<>();
    try {
      for (String version : q.versions()) {
        q.version(version).ifPresent(versions::add);
      }
    } catch (QueryUnavailableException e) {
      problems.add(e.getMessage());
    }
    List<InstanceStats> instances = new ArrayList<>();
    instances.add(localStats());
    instances.addAll(
        peers.getEach(
            otherHosts(), "/internal/stats", InstanceStats.class, PEER_DEADLINE, problems));
    return new Summary(
        System.currentTimeMillis(),
        state().name(),
        versions,
        Summary.total(instances),
        instances,
        problems,
        model().orElse(null),
        driftThresholds());
  }

  private Map<String, Double> driftThresholds() {
    MonitorSettings m = settings.monitoring();
    Map<String, Double> t = new java.util.LinkedHashMap<>();
    t.put("digit-mix", m.digitMixThreshold());
    t.put("input", m.inputThreshold());
    t.put("confidence", m.confidenceThreshold());
    t.put("error-cusum", m.errorThreshold());
    return t;
  }

  /** The other instances of the application, while it runs or rebalances; else none. */
  private List<HostInfo> otherHosts() {
    List<HostInfo> others = new ArrayList<>();
    KafkaStreams current = streams;
    if (current != null && current.state().isRunningOrRebalancing()) {
      for (StreamsMetadata other : current.metadataForAllStreamsClients()) {
        if (!other.hostInfo().equals(self)) {
          others.add(other.hostInfo());
        }
      }
    }
    return others;
  }

  /**
   * The images behind the page's numbers, which the stream threads fill; see {@link ImageRings}.
   */
  public ImageRings images() {
    return images;
  }

  /**
   * At most {@code limit} images of {@code kind}: this instance's, and unless {@code localOnly}
   * every other instance's, asked all at once as for the summary; those that do not answer in time
   * are named in {@link ImageList#problems()}.
   */
  public ImageList images(ImageKind kind, int limit, boolean localOnly) {
    List<String> problems = new ArrayList<>();
    List<PageImage> all = new ArrayList<>(images.local(kind, limit));
    if (!localOnly) {
      for (ImageList other :
          peers.getEach(
              otherHosts(),
              ImageList.path(kind, limit),
              ImageList.class,
              PEER_DEADLINE,
              problems)) {
        all.addAll(other.images());
      }
    }
    return new ImageList(kind, ImageRings.select(kind, all, limit), problems);
  }

  private InstanceStats localStats() {
    HostInfo me = self;
    if (me == null) {
      throw new QueryUnavailableException("the application is starting", null);
    }
    return metrics.stats(me.host() + ":" + me.port(), state().name());
  }

  /**
   * The model serving on this instance and what became of the latest announcement; empty before
   * {@link #start}.
   */
  public Optional<ModelStatus> model() {
    return Optional.ofNullable(switcher).map(this::withDivergence);
  }

  // From cached state only: /health must answer without asking anyone.
  private ModelStatus withDivergence(ModelSwitcher current) {
    FleetModels f = fleet;
    return current.status().withDivergence(f == null ? null : f.divergence());
  }

  /** The running topology; empty before {@link #start}. */
  public synchronized Optional<Topology> topology() {
    return Optional.ofNullable(topology);
  }

  /**
   * Stops the stream threads, committing their work, and waits up to {@code timeout}.
   *
   * @return true if everything stopped in time
   */
  public synchronized boolean stop(Duration timeout) {
    if (streams == null) {
      closeWebAndMetrics();
      return true;
    }
    // Leaving the group lets another instance take over the tasks at once, instead of after
    // the session timeout.
    boolean stopped =
        streams.close(
            CloseOptions.groupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(timeout));
    if (!stopped) {
      log.warn("Kafka Streams did not stop within {}", timeout);
    }
    terminated.countDown();
    closeWebAndMetrics();
    return stopped;
  }

  private synchronized void closeWebAndMetrics() {
    if (fleet != null) {
      fleet.close();
    }
    if (watcher != null) {
      watcher.close();
    }
    if (web != null) {
      web.close();
    }
    if (metrics != null) {
      metrics.close();
    }
  }

  @Override
  public void close() {
    stop(CLOSE_TIMEOUT);
  }

  /** The REST server's view of this service. */
  private final class ServiceBackend implements Backend {
    @Override
    public KafkaStreams.State state() {
      return ScoringService.this.state();
    }

    @Override
    public Summary summary() {
      return ScoringService.this.summary();
    }

    @Override
    public List<String> versions(boolean localOnly) {
      return localOnly ? accuracy().localVersions() : accuracy().versions();
    }

    @Override
    public Optional<VersionSummary> version(String modelVersion, boolean localOnly) {
      return localOnly ? accuracy().localVersion(modelVersion) : accuracy().version(modelVersion);
    }

    @Override
    public Optional<AccuracyWindow> cumulative(String modelVersion, boolean localOnly) {
      // Every instance holds the committed matrix: nothing to forward.
      return accuracy().cumulative(modelVersion);
    }

    @Override
    public List<AccuracyWindow> windows(
        String modelVersion, WindowKind kind, int limit, boolean localOnly) {
      return localOnly
          ? accuracy().localWindows(modelVersion, kind, limit)
          : accuracy().windows(modelVersion, kind, limit);
    }

    @Override
    public InstanceStats localStats() {
      return ScoringService.this.localStats();
    }

    @Override
    public ImageList images(ImageKind kind, int limit, boolean localOnly) {
      return ScoringService.this.images(kind, limit, localOnly);
    }

    @Override
    public AlertQueries.AlertList alerts() {
      return alerts.current();
    }

    @Override
    public ModelStatus model() {
      ModelSwitcher current = switcher;
      if (current == null) {
        throw new QueryUnavailableException("the application is starting", null);
      }
      return withDivergence(current);
    }

    @Override
    public FleetModels.Report models() {
      if (switcher == null) {
        throw new QueryUnavailableException("the application is starting", null);
      }
      return localModels();
    }

    @Override
    public String prometheus() {
      return metrics.scrape();
    }
  }
}
