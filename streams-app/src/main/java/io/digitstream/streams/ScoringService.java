package io.digitstream.streams;

import io.digitstream.model.ModelBundle;
import io.digitstream.streams.scoring.ClassifierPool;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring application as a service with a start and a stop, for the command line, the demo and
 * tests. {@link #start} loads the model, makes sure the topics exist and starts Kafka Streams;
 * {@link #close} stops it and waits, committing what was processed.
 *
 * <p>A failure a stream thread cannot handle (the model failing, the broker gone past every
 * timeout) shuts the whole client down rather than replacing the thread: under exactly-once the
 * uncommitted work is safe, and a process that exits non-zero is what supervisors restart.
 */
public final class ScoringService implements AutoCloseable {
  /** How long {@link #close()} waits for Kafka Streams to commit and stop. */
  public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(ScoringService.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  private static final List<String> TOPIC_ROLES = List.of("images", "predictions", "dlq");

  private final StreamsSettings settings;
  private final CountDownLatch running = new CountDownLatch(1);
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile Throwable failure;
  private volatile boolean wasRunning;
  private KafkaStreams streams;
  private Topology topology;

  public ScoringService(StreamsSettings settings) {
    this.settings = settings;
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
    if (!settings.exactlyOnce()) {
      log.warn(
          "{} is not {}: a crash or rebalance can score an image twice",
          StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
          StreamsConfig.EXACTLY_ONCE_V2);
    }
    // The model first: a wrong path fails in milliseconds, without touching the cluster.
    ModelBundle bundle = ModelBundle.open(settings.model());
    ClassifierPool classifiers = ClassifierPool.load(bundle, settings.nativeThreads());
    log.info("Model {} loaded from {}", bundle.version(), bundle.directory());

    Properties kafka = settings.kafka();
    String adminClientId = kafka.getProperty(StreamsConfig.APPLICATION_ID_CONFIG) + "-setup";
    Admin admin = Admin.create(new StreamsConfig(kafka).getAdminConfigs(adminClientId));
    try {
      new TopicSetup(
              admin, kafka.getProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG), ADMIN_TIMEOUT)
          .ensure(
              settings.topics().names(),
              TOPIC_ROLES,
              settings.createTopics(),
              settings.partitions(),
              settings.replicationFactor());
    } finally {
      // After a timeout a call may still be pending; do not wait another minute for it.
      admin.close(Duration.ofSeconds(1));
    }

    topology = new AppTopology(settings.topics(), settings.batching(), classifiers).build(kafka);
    log.debug("Topology:\n{}", topology.describe());
    KafkaStreams created = new KafkaStreams(topology, kafka);
    created.setStateListener(
        (now, before) -> {
          log.info("Kafka Streams {} -> {}", before, now);
          if (now == KafkaStreams.State.RUNNING) {
            wasRunning = true;
            running.countDown();
          }
          if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
            running.countDown();
            terminated.countDown();
          }
        });
    created.setUncaughtExceptionHandler(
        e -> {
          failure = e;
          log.error("Stream thread failed; shutting the scoring service down", e);
          return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    streams = created;
    created.start();
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
  public synchronized KafkaStreams.State state() {
    return streams == null ? KafkaStreams.State.CREATED : streams.state();
  }

  /** The failure that stopped a stream thread, if any. */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
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
    return stopped;
  }

  @Override
  public void close() {
    stop(CLOSE_TIMEOUT);
  }
}
