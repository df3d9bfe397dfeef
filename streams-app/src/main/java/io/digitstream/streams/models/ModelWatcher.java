package io.digitstream.streams.models;

import io.digitstream.record.Codec;
import io.digitstream.record.InvalidRecordException;
import io.digitstream.record.ModelAnnouncement;
import io.digitstream.streams.scoring.ModelFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the models topic on every instance and hands each announcement to the {@link
 * ModelSwitcher}. It uses a plain consumer with no group that is assigned every partition and reads
 * from the beginning: each instance must see every announcement, whichever image partitions it
 * owns, and loading a model (hundreds of milliseconds) must not stall a stream thread.
 *
 * <p>{@link #catchUp} runs once before Kafka Streams starts, so the first batch is already scored
 * by the announced model; {@link #start} then follows new announcements on a daemon thread.
 */
public final class ModelWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelWatcher.class);
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Codec<ModelAnnouncement> CODEC = Codec.modelAnnouncements();

  private final Consumer<byte[], byte[]> consumer;
  private final String topic;
  private final ModelSwitcher switcher;
  private final Function<Integer, Duration> retryPause;
  private final Runnable onRestart;
  private final Thread thread;
  private volatile boolean running = true;
  private boolean started;

  /**
   * @param consumerConfig connection and security settings; group, offsets and deserializers are
   *     set here
   */
  public ModelWatcher(Properties consumerConfig, String topic, ModelSwitcher switcher) {
    this(consumerConfig, topic, switcher, ModelSettings.defaults()::retryDelay, () -> {});
  }

  /**
   * @param retryPause the pause after the n-th failure in a row of the watcher's own loop
   * @param onRestart called when the loop failed and is about to poll again (a metric)
   */
  public ModelWatcher(
      Properties consumerConfig,
      String topic,
      ModelSwitcher switcher,
      Function<Integer, Duration> retryPause,
      Runnable onRestart) {
    this.retryPause = retryPause;
    this.onRestart = onRestart;
    Properties config = new Properties();
    config.putAll(consumerConfig);
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // Only committed announcements: a transactional publisher's aborted record never loads.
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    this.consumer = new KafkaConsumer<>(config);
    this.topic = topic;
    this.switcher = switcher;
    this.thread = new Thread(this::follow, "digitstream-model-watcher");
    thread.setDaemon(true);
    // Only a broken JVM gets past the loop's handler; say so rather than vanish.
    thread.setUncaughtExceptionHandler(
        (t, e) -> log.error("The model announcement watcher died; no further model switches", e));
  }

  /**
   * Assigns every partition of the models topic and reads it to its current end; then switches to
   * the newest announcement that passes every check, trying older ones (if compaction kept any)
   * when a newer one is refused. With no usable announcement the configured model stays.
   */
  public void catchUp(Duration timeout) {
    List<TopicPartition> partitions = new ArrayList<>();
    for (PartitionInfo p : consumer.partitionsFor(topic, timeout)) {
      partitions.add(new TopicPartition(topic, p.partition()));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
    List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!reached(end)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "could not read the models topic " + topic + " to its end within " + timeout);
      }
      consumer.poll(POLL).forEach(seen::add);
    }
    // Newest first. The key is the role, so a role's records share one partition and arrived in
    // offset order; the order of records of different roles does not matter.
    Collections.reverse(seen);
    List<ModelAnnouncement> active = new ArrayList<>();
    List<ModelAnnouncement> shadow = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : seen) {
      ModelAnnouncement announcement = decode(record);
      if (announcement != null) {
        (ModelAnnouncement.SHADOW.equals(announcement.role()) ? shadow : active).add(announcement);
      }
    }
    // The active model first: a shadow must differ from it.
    applyNewestValid(active);
    if (!shadow.isEmpty() && shadow.get(0).version().equals(switcher.status().active().version())) {
      // The newest shadow has since been promoted, which ended shadow mode on every instance.
      return;
    }
    applyNewestValid(shadow);
  }

  private void applyNewestValid(List<ModelAnnouncement> newestFirst) {
    String refusedNewest = null;
    for (ModelAnnouncement announcement : newestFirst) {
      boolean applied =
          refusedNewest == null ? switcher.apply(announcement) : switcher.applyOlder(announcement);
      if (applied) {
        if (refusedNewest != null) {
          log.warn(
              "Serving {} model {}, the newest announcement that passed its checks; newer ones"
                  + " were refused (the latest: {})",
              announcement.role(),
              announcement.version(),
              refusedNewest);
        }
        return;
      }
      if (refusedNewest == null) {
        refusedNewest = announcement.version();
      }
    }
    if (refusedNewest != null) {
      log.warn(
          "No {} announcement on {} passed its checks; the model in that role stays as it was",
          newestFirst.get(0).role(),
          topic);
    }
  }

  private boolean reached(Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** Follows new announcements on a daemon thread, after {@link #catchUp}. */
  public synchronized void start() {
    started = true;
    thread.start();
  }

  private void follow() {
    int failures = 0;
    try {
      while (running) {
        try {
          // In order: the last announcement of a poll is the one that stays active.
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
            ModelAnnouncement announcement = decode(record);
            if (announcement != null) {
              switcher.apply(announcement);
            }
          }
          switcher.retryDue(System.currentTimeMillis());
          failures = 0;
        } catch (WakeupException | InterruptException e) {
          throw e;
        } catch (Throwable e) {
          // The consumer refused (e.g. authorisation revoked) or a switch failed unexpectedly:
          // the current model keeps serving, and the watcher tries again after a pause rather
          // than ending without a trace.
          ModelFailure.rethrowIfFatal(e);
          failures++;
          Duration pause = retryPause.apply(failures);
          log.error(
              "The model announcement watcher failed ({} in a row); polling again in {} ms",
              failures,
              pause.toMillis(),
              e);
          switcher.invalid(
              "the models topic could not be read: " + ModelFailure.describe(e) + "; retrying");
          onRestart.run();
          Thread.sleep(pause.toMillis());
        }
      }
    } catch (WakeupException | InterruptException e) {
      // close() asked us to stop.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private ModelAnnouncement decode(ConsumerRecord<byte[], byte[]> record) {
    String where = topic + "-" + record.partition() + "@" + record.offset();
    if (record.value() == null) {
      // A tombstone only lets compaction forget a key; it announces nothing.
      return null;
    }
    ModelAnnouncement announcement;
    try {
      announcement = CODEC.decode(record.value());
    } catch (InvalidRecordException e) {
      switcher.invalid(where + ": " + e.getMessage());
      return null;
    }
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    if (!announcement.key().equals(key)) {
      switcher.miskeyed(announcement, key, where);
      return null;
    }
    return announcement;
  }

  /** Stops following; the model in use stays. */
  @Override
  public synchronized void close() {
    running = false;
    if (started) {
      consumer.wakeup();
      try {
        thread.join(Duration.ofSeconds(10).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } else {
      consumer.close(Duration.ofSeconds(5));
    }
  }
}
