package io.digitstream.producer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Callback;

/**
 * Accounts for every record handed to the producer until Kafka acknowledges or refuses it. Records
 * still unaccounted for at the end are reported as failed, so none can vanish without a trace.
 * Callbacks run on the producer's I/O thread; everything here is thread-safe and cheap.
 */
final class SendTracker {
  /** Failures listed by id; the count covers all of them. */
  static final int MAX_LISTED = 100;

  private record InFlight(String id, String topic, boolean image) {}

  private final SecretScrubber scrubber;
  private final Map<Long, InFlight> inFlight = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicLong imagesAcked = new AtomicLong();
  private final AtomicLong labelsAcked = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final List<FailedSend> failures = new ArrayList<>();
  private volatile long lastImageAckNanos;

  SendTracker(SecretScrubber scrubber) {
    this.scrubber = scrubber;
  }

  /**
   * Registers a record about to be sent and returns the callback that accounts for it. Only the
   * first call of the callback counts, since Kafka may both call back and throw for one send.
   */
  Callback sending(String id, String topic, boolean image) {
    return sending(id, topic, image, () -> {});
  }

  /**
   * As {@link #sending(String, String, boolean)}, running {@code onAcknowledged} (on the I/O
   * thread: it must be quick and never block) once Kafka has acknowledged the record.
   */
  Callback sending(String id, String topic, boolean image, Runnable onAcknowledged) {
    long key = sequence.getAndIncrement();
    inFlight.put(key, new InFlight(id, topic, image));
    return (metadata, exception) -> completed(key, exception, onAcknowledged);
  }

  private void completed(long key, Exception exception, Runnable onAcknowledged) {
    InFlight record = inFlight.remove(key);
    if (record == null) {
      return;
    }
    if (exception == null) {
      onAcknowledged.run();
      if (record.image()) {
        imagesAcked.incrementAndGet();
        lastImageAckNanos = System.nanoTime();
      } else {
        labelsAcked.incrementAndGet();
      }
    } else {
      fail(record.id(), record.topic(), scrubber.describe(exception));
    }
  }

  /** Records a failure that never reached the producer (e.g. a label dropped at shutdown). */
  void fail(String id, String topic, String error) {
    failed.incrementAndGet();
    synchronized (failures) {
      if (failures.size() < MAX_LISTED) {
        failures.add(new FailedSend(id, topic, error));
      }
    }
  }

  /** Marks every record still awaiting an answer as failed; call after flushing. */
  void failUnacknowledged() {
    for (Long key : List.copyOf(inFlight.keySet())) {
      InFlight record = inFlight.remove(key);
      if (record != null) {
        fail(
            record.id(), record.topic(), "no acknowledgement from Kafka before the end of the run");
      }
    }
  }

  boolean anyFailed() {
    return failed.get() > 0;
  }

  long imagesAcked() {
    return imagesAcked.get();
  }

  long labelsAcked() {
    return labelsAcked.get();
  }

  long failed() {
    return failed.get();
  }

  int inFlight() {
    return inFlight.size();
  }

  /** When the last image was acknowledged, as {@link System#nanoTime()}; 0 if none was. */
  long lastImageAckNanos() {
    return lastImageAckNanos;
  }

  List<FailedSend> failures() {
    synchronized (failures) {
      return List.copyOf(failures);
    }
  }
}
