package io.digitstream.producer;

import io.digitstream.config.ConfigException;
import io.digitstream.image.Shift;
import io.digitstream.image.ShiftKind;
import io.digitstream.producer.PublishSummary.Outcome;
import io.digitstream.producer.source.BadInput;
import io.digitstream.producer.source.ImageSource;
import io.digitstream.producer.source.InternalFailure;
import io.digitstream.producer.source.LabelledImage;
import io.digitstream.producer.source.SourceItem;
import io.digitstream.record.DigitImage;
import io.digitstream.record.DigitLabel;
import io.digitstream.topic.TopicPlan;
import io.digitstream.topic.TopicProvisioner;
import io.digitstream.topic.TopicRole;
import io.digitstream.topic.TopicSetupException;
import io.digitstream.topic.TopicSetupException.Problem;
import io.digitstream.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Publishes digit images, and their true labels, from an {@link ImageSource} to Kafka: images on
 * the images topic, labels on the labels topic, both keyed by image id, values in the shared JSON
 * form. Used by {@code produce} and, in-process, by the demo.
 *
 * <p>Nothing is lost silently: the producer is idempotent with {@code acks=all}, every send is
 * accounted for by its callback, and a run stops taking new images at the first failed send and
 * reports the failed ids in its {@link PublishSummary}. Topics are created if missing (unless
 * turned off) and every partition must serve before the first send, which avoids KAFKA-15591.
 *
 * <pre>{@code
 * try (DigitPublisher publisher =
 *     DigitPublisher.builder()
 *         .bootstrapServers(broker.bootstrapServers())
 *         .rate(50)
 *         .labelDelay(Duration.ofSeconds(2))
 *         .build()) {
 *   PublishSummary summary =
 *       publisher.publish(IdxSource.mnist(dataDir, Split.TEST, Selection.all()), listener);
 * }
 * }</pre>
 *
 * <p>One run at a time per publisher; {@link #stop()} may be called from any thread.
 */
public final class DigitPublisher implements AutoCloseable {
  /** Where the demo's embedded broker listens. */
  public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";

  /** Partitions of the topics the publisher creates; empty for the broker's default. */
  public static final String PARTITIONS = TopicPlan.PARTITIONS;

  /** Replication factor of the topics the publisher creates; empty for the broker's default. */
  public static final String REPLICATION_FACTOR = TopicPlan.REPLICATION_FACTOR;

  /** Whether missing topics are created ({@code true}) or reported as an error. */
  public static final String CREATE_TOPICS = TopicPlan.CREATE;

  /** Four partitions let a two-thread streams app scale out on one machine and a little beyond. */
  public static final int DEFAULT_PARTITIONS = 4;

  private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final PublisherSettings settings;
  private final Producer<byte[], byte[]> producer;
  private final Admin admin;
  private final double rate;
  private final Duration labelDelay;
  private final boolean sendLabels;
  private final boolean failOnBadInput;
  private final Shift shift;
  private final CountDownLatch stopSignal = new CountDownLatch(1);
  private final AtomicBoolean publishing = new AtomicBoolean();

  private DigitPublisher(Builder builder, PublisherSettings settings) {
    this.settings = settings;
    this.rate = builder.rate;
    this.labelDelay = builder.labelDelay;
    this.sendLabels = builder.sendLabels;
    this.failOnBadInput = builder.failOnBadInput;
    this.shift = builder.shift;
    this.producer = createClient("producer", () -> createProducer(settings.producer));
    try {
      this.admin = createClient("admin client", () -> Admin.create(settings.admin));
    } catch (RuntimeException e) {
      producer.close(Duration.ZERO);
      throw e;
    }
  }

  /** Starts describing a publisher; every setting has a default. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The settings every publisher starts from: the local embedded broker, an idempotent producer
   * with {@code acks=all}, topic creation on with {@value #DEFAULT_PARTITIONS} partitions.
   */
  public static Map<String, String> defaultSettings() {
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, DEFAULT_BOOTSTRAP_SERVERS);
    defaults.put(ProducerConfig.CLIENT_ID_CONFIG, "digitstream-producer");
    defaults.put(ProducerConfig.ACKS_CONFIG, "all");
    defaults.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    defaults.put(PARTITIONS, String.valueOf(DEFAULT_PARTITIONS));
    defaults.put(CREATE_TOPICS, "true");
    return defaults;
  }

  /**
   * Publishes every input of {@code source} and returns what happened. Kafka and input problems do
   * not throw: they end the run and are described in the summary, whose {@link
   * PublishSummary#exitCode()} tells success from failure.
   *
   * @throws IllegalStateException if another run of this publisher is going on
   */
  public PublishSummary publish(ImageSource source, PublishListener listener) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(listener, "listener");
    if (!publishing.compareAndSet(false, true)) {
      throw new IllegalStateException("This publisher is already publishing; runs cannot overlap");
    }
    try {
      return new Run(source, listener).execute();
    } finally {
      publishing.set(false);
    }
  }

  /**
   * Ends the current run, and any later one, soon: no further image is sent, labels held back by
   * the delay are sent at once, and in-flight records are awaited. Safe from any thread, e.g. a
   * shutdown hook.
   */
  public void stop() {
    stopSignal.countDown();
  }

  /** Whether {@link #stop()} has been called. */
  public boolean isStopped() {
    return stopSignal.getCount() == 0;
  }

  /** The shift applied to the images, or null. */
  public Shift shift() {
    return shift;
  }

  /** The topics this publisher writes to, with their serdes. */
  public Topics topics() {
    return settings.topics;
  }

  /** Stops any run and closes the Kafka clients, waiting up to 30 s for records in flight. */
  @Override
  public void close() {
    stop();
    try {
      producer.close(CLOSE_TIMEOUT);
    } finally {
      admin.close(Duration.ofSeconds(5));
    }
  }

  private static KafkaProducer<byte[], byte[]> createProducer(Properties props) {
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private <T> T createClient(String what, Supplier<T> create) {
    try {
      return create.get();
    } catch (KafkaException e) {
      // Kafka wraps the useful reason ("Invalid url in bootstrap.servers: ...") in its causes.
      StringBuilder reason = new StringBuilder();
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t.getMessage() != null && !reason.toString().contains(t.getMessage())) {
          reason.append(reason.length() == 0 ? "" : ": ").append(t.getMessage());
        }
      }
      throw new ConfigException(
          "Cannot create the Kafka " + what + ": " + settings.scrubber.scrub(reason.toString()));
    }
  }

  /** The state of one {@link #publish} call. */
  private final class Run {
    private final ImageSource source;
    private final PublishListener listener;
    private final SendTracker tracker = new SendTracker(settings.scrubber);
    private final Topics.Topic<DigitImage> imageTopic = settings.topics.images();
    private final Topics.Topic<DigitLabel> labelTopic = settings.topics.labels();
    private final Serializer<String> keys = imageTopic.keySerde().serializer();
    private final Serializer<DigitImage> images = imageTopic.valueSerde().serializer();
    private final Serializer<DigitLabel> labels = labelTopic.valueSerde().serializer();
    private final List<BadInput> badInputs = new ArrayList<>();
    private final List<InternalFailure> internalErrors = new ArrayList<>();
    private final long startNanos = System.nanoTime();
    private long loopStartNanos;
    private long loopEndNanos;
    private long lastProgressNanos;
    private long processed;
    private long handedImages;
    private long badInputCount;
    private long internalErrorCount;
    private long unlabelled;
    // Distorted images Kafka acknowledged, by ShiftKind ordinal; counted on the producer's thread.
    private final AtomicLongArray distorted = new AtomicLongArray(ShiftKind.values().length);
    private boolean interrupted;
    private boolean exhausted;
    private BadInput fatalBadInput;
    private DelayedLabels delayed;
    // Filled by the producer's I/O thread as images are acknowledged, drained by this run's thread.
    private final Queue<DigitLabel> labelsDue = new ConcurrentLinkedQueue<>();

    Run(ImageSource source, PublishListener listener) {
      this.source = source;
      this.listener = listener;
    }

    PublishSummary execute() {
      if (isStopped()) {
        return summary(Outcome.STOPPED, "stopped before publishing began");
      }
      try {
        prepareTopics();
      } catch (TopicSetupException e) {
        // A real interrupt, not our stop signal, is left set on the thread for the caller.
        if (e.problem() == Problem.STOPPED) {
          return summary(Outcome.STOPPED, "stopped while preparing the topics");
        }
        return summary(
            e.problem() == Problem.REFUSED ? Outcome.BAD_CONFIG : Outcome.KAFKA_UNAVAILABLE,
            e.problem() == Problem.MISSING
                ? missingTopics(List.copyOf(e.missing().keySet()))
                : settings.scrubber.scrub(e.getMessage()));
      }
      if (sendLabels && !labelDelay.isZero()) {
        delayed = new DelayedLabels(labelDelay, this::sendLabel);
      }
      try {
        publishInputs();
      } catch (InterruptedException e) {
        interrupted = true;
      } finally {
        loopEndNanos = System.nanoTime();
        finish();
      }
      PublishSummary summary = summary(outcome(), endReason());
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      return summary;
    }

    /** Sends every input until the source is exhausted, a stop, a failed send or a bad input. */
    private void publishInputs() throws InterruptedException {
      RatePacer pacer =
          new RatePacer(
              rate, System::nanoTime, nanos -> !stopSignal.await(nanos, TimeUnit.NANOSECONDS));
      loopStartNanos = System.nanoTime();
      Iterator<SourceItem> items = source.iterator();
      while (true) {
        if (!items.hasNext()) {
          exhausted = true;
          return;
        }
        if (isStopped() || tracker.anyFailed()) {
          return;
        }
        SourceItem item = items.next();
        if (item instanceof BadInput bad) {
          processed++;
          badInput(bad);
          if (failOnBadInput) {
            fatalBadInput = bad;
            return;
          }
        } else if (item instanceof InternalFailure failure) {
          // Our fault, not the input's: counted apart, and never a reason to stop the others.
          processed++;
          internalFailure(failure);
        } else if (item instanceof LabelledImage image) {
          // Waiting after reading the input keeps decoding time inside the schedule.
          if (!pacer.awaitNext()) {
            return;
          }
          processed++;
          send(image, processed - 1);
        }
        progress(false);
      }
    }

    private Outcome outcome() {
      if (fatalBadInput != null) {
        return Outcome.BAD_INPUT;
      }
      if (tracker.anyFailed()) {
        return Outcome.SEND_FAILED;
      }
      if (!exhausted) {
        return Outcome.STOPPED;
      }
      return internalErrorCount > 0 ? Outcome.INTERNAL_ERROR : Outcome.COMPLETED;
    }

    private String endReason() {
      String progress = processed + " of " + source.size() + " inputs";
      if (fatalBadInput != null) {
        return "bad input " + fatalBadInput + " (fail on bad input is on), after " + progress;
      }
      if (exhausted) {
        return internalErrorCount == 0
            ? null
            : internalErrorCount
                + " of "
                + source.size()
                + " inputs failed with an internal error; the others were published";
      }
      return tracker.anyFailed()
          ? "stopped taking new images at the first failed send, after " + progress
          : "stopped after " + progress;
    }

    /**
     * Makes the topics serve, in the admin client's view and then in the producer's, before the
     * first send (KAFKA-15591).
     */
    private void prepareTopics() {
      List<TopicRole> needed =
          sendLabels ? List.of(TopicRole.IMAGES, TopicRole.LABELS) : List.of(TopicRole.IMAGES);
      List<String> created =
          new TopicProvisioner(admin, settings.bootstrapServers, settings.metadataTimeout)
              .timeoutSetting(ProducerConfig.MAX_BLOCK_MS_CONFIG)
              .stopWhen(DigitPublisher.this::isStopped)
              .ensure(settings.topics.names(), needed, settings.plan);
      for (TopicRole role : needed) {
        awaitProducerMetadata(settings.topics.names().name(role));
      }
      if (!created.isEmpty()) {
        listener.notice(
            "Created topic"
                + (created.size() == 1 ? " " : "s ")
                + String.join(", ", created)
                + " ("
                + settings.plan.describe()
                + ")");
      }
    }

    private String missingTopics(List<String> missing) {
      boolean one = missing.size() == 1;
      return (one ? "Topic " : "Topics ")
          + String.join(", ", missing)
          + (one ? " does" : " do")
          + " not exist on "
          + settings.bootstrapServers
          + " and topic creation is off (--no-create-topics, "
          + CREATE_TOPICS
          + "=false). Create "
          + (one ? "it" : "them")
          + " first, or let the producer create "
          + (one ? "it." : "them.");
    }

    /** The producer sends from its own metadata; make sure that view has the leaders too. */
    private void awaitProducerMetadata(String topic) {
      long deadline = System.nanoTime() + settings.metadataTimeout.toNanos();
      while (true) {
        List<PartitionInfo> partitions;
        try {
          partitions = producer.partitionsFor(topic);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
          partitions = List.of();
        } catch (RuntimeException e) {
          throw new TopicSetupException(
              Problem.FAILED,
              "The producer cannot see topic "
                  + topic
                  + " on "
                  + settings.bootstrapServers
                  + ": "
                  + settings.scrubber.describe(e),
              e);
        }
        if (!partitions.isEmpty()
            && partitions.stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
          return;
        }
        if (System.nanoTime() >= deadline) {
          throw new TopicSetupException(
              Problem.NOT_READY,
              "The producer saw no leader for every partition of "
                  + topic
                  + " within "
                  + settings.metadataTimeout.toMillis()
                  + " ms (max.block.ms)",
              null);
        }
        try {
          if (stopSignal.await(50, TimeUnit.MILLISECONDS)) {
            throw new TopicSetupException(
                Problem.STOPPED, "stopped while preparing the topics", null);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new TopicSetupException(
              Problem.STOPPED, "interrupted while preparing the topics", e);
        }
      }
    }

    private void badInput(BadInput bad) {
      badInputCount++;
      if (badInputs.size() < PublishSummary.MAX_LISTED_BAD_INPUTS) {
        badInputs.add(bad);
      }
      listener.badInput(bad);
    }

    private void internalFailure(InternalFailure failure) {
      internalErrorCount++;
      if (internalErrors.size() < PublishSummary.MAX_LISTED_BAD_INPUTS) {
        internalErrors.add(failure);
      }
      listener.internalFailure(failure);
    }

    /** Sends the input at {@code index} of the run, distorted first if the shift says so. */
    private void send(LabelledImage item, long index) {
      DigitImage image = item.image();
      Shift.Distorted shifted =
          shift == null ? null : shift.apply(index, image.id(), image.pixels()).orElse(null);
      if (shifted != null) {
        image = new DigitImage(image.id(), shifted.pixels(), image.source());
      }
      // An image replaced by a non-digit shows no digit: it has no true label to send.
      DigitLabel label = null;
      if (sendLabels && (shifted == null || !shifted.replacedByNonDigit())) {
        if (item.label().isEmpty()) {
          unlabelled++;
        } else {
          label = new DigitLabel(image.id(), item.label().getAsInt());
        }
      }
      DigitLabel due = label;
      Runnable onAcknowledged =
          () -> {
            if (shifted != null) {
              distorted.incrementAndGet(shifted.kind().ordinal());
            }
            if (due != null) {
              labelsDue.add(due);
            }
          };
      byte[] value = images.serialize(imageTopic.name(), image);
      Callback callback = tracker.sending(image.id(), imageTopic.name(), true, onAcknowledged);
      sendRecord(imageTopic.name(), image.id(), value, callback);
      handedImages++;
      sendDueLabels();
    }

    /**
     * Sends (or schedules) the labels whose images Kafka has acknowledged: a label never describes
     * an image that is not in Kafka, so a failed image send leaves no label behind.
     */
    private void sendDueLabels() {
      for (DigitLabel label = labelsDue.poll(); label != null; label = labelsDue.poll()) {
        if (delayed == null) {
          sendLabel(label);
        } else {
          delayed.schedule(label);
        }
      }
    }

    /** Runs on the publishing thread, or on the delayed-labels thread when labels are late. */
    private void sendLabel(DigitLabel label) {
      String topic = labelTopic.name();
      sendRecord(
          topic,
          label.id(),
          labels.serialize(topic, label),
          tracker.sending(label.id(), topic, false));
    }

    private void sendRecord(String topic, String id, byte[] value, Callback callback) {
      try {
        producer.send(new ProducerRecord<>(topic, keys.serialize(topic, id), value), callback);
      } catch (RuntimeException e) {
        // Kafka throws instead of calling back for some errors (interrupted, closed producer).
        callback.onCompletion(null, e);
      }
    }

    private boolean hurry() {
      return isStopped() || tracker.anyFailed() || interrupted;
    }

    /** Waits for delayed labels and in-flight records; whatever is left unconfirmed is failed. */
    private void finish() {
      // Every image answered first, so that the labels of the last ones are due.
      flush();
      sendDueLabels();
      if (delayed != null) {
        if (delayed.pending() > 0 && !hurry()) {
          listener.notice(
              "Waiting for "
                  + delayed.pending()
                  + " delayed label"
                  + (delayed.pending() == 1 ? "" : "s")
                  + " (label delay "
                  + describe(labelDelay)
                  + ")");
        }
        try {
          delayed.awaitAll(this::hurry, () -> progress(false));
        } catch (InterruptedException e) {
          interrupted = true;
          delayed.releaseNow();
        }
        for (DigitLabel unsent : delayed.shutdown()) {
          tracker.fail(
              unsent.id(), labelTopic.name(), "not sent: the run ended before its label was due");
        }
      }
      flush();
      tracker.failUnacknowledged();
      // Only after an interrupted flush: images acknowledged since, whose labels were not sent.
      for (DigitLabel unsent = labelsDue.poll(); unsent != null; unsent = labelsDue.poll()) {
        tracker.fail(
            unsent.id(),
            labelTopic.name(),
            "not sent: the run ended before its image was acknowledged");
      }
      progress(true);
    }

    private void flush() {
      try {
        producer.flush();
      } catch (InterruptException e) {
        interrupted = true;
      }
    }

    private void progress(boolean finished) {
      long now = System.nanoTime();
      if (!finished && now - lastProgressNanos < PROGRESS_INTERVAL_NANOS) {
        return;
      }
      lastProgressNanos = now;
      double elapsed = loopStartNanos == 0 ? 0 : (now - loopStartNanos) / 1e9;
      // The image rate stops at the last image; waiting for late labels is not sending images.
      double sending =
          loopStartNanos == 0
              ? 0
              : ((loopEndNanos == 0 ? now : loopEndNanos) - loopStartNanos) / 1e9;
      listener.progress(
          new Progress(
              source.size(),
              processed,
              tracker.imagesAcked(),
              tracker.labelsAcked(),
              delayed == null ? 0 : delayed.pending(),
              tracker.failed(),
              badInputCount,
              internalErrorCount,
              elapsed,
              sending > 0 ? handedImages / sending : 0,
              finished));
    }

    private PublishSummary summary(Outcome outcome, String error) {
      long acked = tracker.imagesAcked();
      long lastAck = tracker.lastImageAckNanos();
      double sendSeconds = (lastAck - loopStartNanos) / 1e9;
      return new PublishSummary(
          outcome,
          error,
          source.name(),
          imageTopic.name(),
          sendLabels ? labelTopic.name() : null,
          acked,
          tracker.labelsAcked(),
          unlabelled,
          tracker.failed(),
          tracker.failures(),
          badInputCount,
          badInputs,
          internalErrorCount,
          internalErrors,
          (System.nanoTime() - startNanos) / 1e9,
          acked > 0 && loopStartNanos > 0 && sendSeconds > 0 ? acked / sendSeconds : 0,
          shift == null ? null : ShiftSummary.of(shift, distorted));
    }
  }

  /** {@code 2 s}, {@code 500 ms}: how people write short durations. */
  static String describe(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0
        ? (millis / 1000) + " s"
        : millis >= 1000 ? String.format(Locale.ROOT, "%.1f s", millis / 1000.0) : millis + " ms";
  }

  /**
   * Describes a {@link DigitPublisher}. Settings are Kafka producer settings (passed through, so
   * SASL and TLS work) plus {@code digitstream.*} keys: topic names ({@code
   * digitstream.topic.images}, {@code digitstream.topic.labels}), {@value #PARTITIONS}, {@value
   * #REPLICATION_FACTOR} and {@value #CREATE_TOPICS}. They are layered over {@link
   * #defaultSettings()}.
   */
  public static final class Builder {
    private final Properties settings = new Properties();
    private double rate;
    private Duration labelDelay = Duration.ZERO;
    private boolean sendLabels = true;
    private boolean failOnBadInput;
    private Shift shift;

    private Builder() {}

    /** Adds settings, later ones replacing earlier ones of the same key. */
    public Builder settings(Properties properties) {
      for (String key : properties.stringPropertyNames()) {
        settings.setProperty(key, properties.getProperty(key));
      }
      return this;
    }

    /** Adds one setting. */
    public Builder setting(String key, String value) {
      settings.setProperty(key, value);
      return this;
    }

    /** Shorthand for the {@code bootstrap.servers} setting. */
    public Builder bootstrapServers(String bootstrapServers) {
      return setting(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    }

    /** Images per second, evenly spaced; 0 (the default) sends as fast as Kafka takes them. */
    public Builder rate(double imagesPerSecond) {
      if (!(imagesPerSecond >= 0 && imagesPerSecond <= 1_000_000)) {
        throw ConfigException.invalid(
            "rate", imagesPerSecond, "0 (as fast as possible) up to 1000000 images per second");
      }
      this.rate = imagesPerSecond;
      return this;
    }

    /**
     * How long after its image was acknowledged each label is sent; zero (the default) sends it
     * right after.
     */
    public Builder labelDelay(Duration delay) {
      if (delay == null || delay.isNegative()) {
        throw ConfigException.invalid("label delay", delay, "zero or a positive duration");
      }
      this.labelDelay = delay;
      return this;
    }

    /** Whether labels are sent at all (default true). */
    public Builder sendLabels(boolean sendLabels) {
      this.sendLabels = sendLabels;
      return this;
    }

    /** Whether a bad input ends the run (default false: it is skipped and counted). */
    public Builder failOnBadInput(boolean failOnBadInput) {
      this.failOnBadInput = failOnBadInput;
      return this;
    }

    /**
     * Distorts images from some input on (see {@link Shift}); null (the default) sends every image
     * as the source gives it. Images replaced by non-digits are sent without a label.
     */
    public Builder shift(Shift shift) {
      this.shift = shift;
      return this;
    }

    /**
     * Validates the settings and creates the Kafka clients. They start connecting in the
     * background; an unreachable cluster is reported by {@link DigitPublisher#publish}, not here.
     *
     * @throws ConfigException naming the bad key, with secrets hidden
     */
    public DigitPublisher build() {
      return new DigitPublisher(this, PublisherSettings.parse(defaultSettings(), settings));
    }
  }
}
