package io.digitstream.demo;

import io.digitstream.record.Alert;
import io.digitstream.topic.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;

/**
 * Reads the alerts topic from its start, {@code read_committed}, on a thread of its own, and hands
 * every alert to an {@link AlertTicker}. No consumer group: it assigns every partition itself and
 * commits nothing. {@link #close()} first reads up to the end offsets of that moment, so an alert
 * written before the demo's summary is in it.
 */
final class AlertWatch implements AutoCloseable {
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration CATCH_UP = Duration.ofSeconds(10);

  private final Topics.Topic<Alert> topic;
  private final AlertTicker ticker;
  private final Map<String, Object> config;
  private final Duration topicTimeout;
  private final CountDownLatch closing = new CountDownLatch(1);
  private final Thread thread;
  private volatile String failure;

  private AlertWatch(
      String bootstrapServers,
      Topics.Topic<Alert> topic,
      AlertTicker ticker,
      Duration topicTimeout) {
    this.topic = topic;
    this.ticker = ticker;
    this.topicTimeout = topicTimeout;
    this.config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "digitstream-demo-alerts");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // The streams app creates the topic by its spec; never let this reader create it otherwise.
    config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    this.thread = new Thread(this::watch, "demo-alert-watch");
    thread.setDaemon(true);
  }

  /**
   * Starts watching {@code topic}, which must exist within {@code topicTimeout}; otherwise the
   * watch ends and {@link #failure()} says why.
   */
  static AlertWatch start(
      String bootstrapServers,
      Topics.Topic<Alert> topic,
      AlertTicker ticker,
      Duration topicTimeout) {
    AlertWatch watch = new AlertWatch(bootstrapServers, topic, ticker, topicTimeout);
    watch.thread.start();
    return watch;
  }

  /** Why the watch ended early (the topic missing, Kafka unusable), or null. */
  String failure() {
    return failure;
  }

  /** Reads to the current end, then stops; waits for that at most about 15 s. */
  @Override
  public void close() throws InterruptedException {
    closing.countDown();
    thread.join(CATCH_UP.plus(Duration.ofSeconds(5)).toMillis());
    if (thread.isAlive()) {
      fail("did not stop within " + CATCH_UP.plusSeconds(5).toSeconds() + " s");
      thread.interrupt();
    }
  }

  private void watch() {
    try (KafkaConsumer<String, Alert> consumer =
        new KafkaConsumer<>(
            config, topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
      List<TopicPartition> partitions = partitions(consumer);
      if (partitions.isEmpty()) {
        fail(
            "topic "
                + topic.name()
                + " has no partitions after "
                + topicTimeout.toSeconds()
                + " s; is it created?");
        return;
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (!closing.await(0, TimeUnit.MILLISECONDS)) {
        poll(consumer);
      }
      // read_committed end offsets are the last stable ones: all that is committed so far.
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + CATCH_UP.toNanos();
      while (!caughtUp(consumer, end)) {
        if (System.nanoTime() > deadline) {
          fail(
              "did not reach the end of "
                  + topic.name()
                  + " within "
                  + CATCH_UP.toSeconds()
                  + " s");
          return;
        }
        poll(consumer);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      fail(e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private List<TopicPartition> partitions(KafkaConsumer<String, Alert> consumer)
      throws InterruptedException {
    long deadline = System.nanoTime() + topicTimeout.toNanos();
    while (true) {
      List<TopicPartition> found =
          consumer.partitionsFor(topic.name(), topicTimeout).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      if (!found.isEmpty() || System.nanoTime() > deadline) {
        return found;
      }
      if (closing.await(100, TimeUnit.MILLISECONDS)) {
        return found;
      }
    }
  }

  private void poll(KafkaConsumer<String, Alert> consumer) {
    try {
      for (ConsumerRecord<String, Alert> record : consumer.poll(POLL)) {
        if (record.value() != null) {
          ticker.accept(record.value());
        }
      }
    } catch (RecordDeserializationException e) {
      // A record we cannot read is reported and stepped over, never a reason to stop watching.
      ticker.unreadable(
          e.topicPartition() + "@" + e.offset(),
          e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
      consumer.seek(e.topicPartition(), e.offset() + 1);
    }
  }

  private static boolean caughtUp(
      KafkaConsumer<String, Alert> consumer, Map<TopicPartition, Long> end) {
    return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
  }

  private void fail(String reason) {
    if (failure == null) {
      failure = reason;
      ticker.watchFailed(topic.name(), reason);
    }
  }
}
