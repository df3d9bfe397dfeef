package io.digitstream.streams.reliability;

import io.digitstream.testkit.TestClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends MNIST test images and their labels at a steady rate, so that latency measures an outage and
 * not a backlog: the first {@code warmUp} go at once and are waited for, so that the apps' JIT is
 * warm when the steady part starts (a cold app scores a fraction of its warm rate). Runs each event
 * (a kill, a restart, a rolling restart) when its image is due, on its own thread: the images keep
 * coming at their rate while an event takes its time.
 */
final class SteadyStream {
  /** Something done to the cluster or the apps while the stream runs. */
  interface Event {
    void run() throws Exception;
  }

  private final TestClients clients;
  private final String name;
  private final int images;
  private final int rate;
  private final int warmUp;
  private long steadySince;
  private final TreeMap<Integer, Event> events = new TreeMap<>();
  private final Map<Integer, Long> firedAt = new TreeMap<>();

  SteadyStream(TestClients clients, String name, int images, int warmUp, int rate) {
    this.clients = clients;
    this.name = name;
    this.images = images;
    this.warmUp = warmUp;
    this.rate = rate;
  }

  /** Runs {@code event} when image {@code index} is due. */
  SteadyStream at(int index, Event event) {
    events.put(index, event);
    return this;
  }

  /** When (epoch ms) the steady part started. */
  long steadySince() {
    return steadySince;
  }

  /** When (epoch ms) the event at {@code index} started. */
  long firedAt(int index) {
    return firedAt.get(index);
  }

  /**
   * Sends everything, waits for every acknowledgement and for every event to finish; an event's
   * failure fails the stream.
   */
  void run() throws Exception {
    ExecutorService runner = Executors.newSingleThreadExecutor(r -> new Thread(r, "stream-events"));
    List<Future<?>> done = new ArrayList<>();
    try (KafkaProducer<String, byte[]> producer =
        clients.producer(Map.of("delivery.timeout.ms", 180_000, "linger.ms", 5))) {
      List<ProducerRecord<String, byte[]>> records = AppProcess.imagesAndLabels(name, images);
      List<Future<?>> acks = new ArrayList<>();
      for (int i = 0; i < warmUp; i++) {
        acks.add(producer.send(records.get(2 * i)));
        acks.add(producer.send(records.get(2 * i + 1)));
      }
      producer.flush();
      clients.readCommitted(name + ".predictions", warmUp, Duration.ofSeconds(300), Duration.ZERO);
      steadySince = System.currentTimeMillis();
      long start = System.nanoTime();
      for (int i = warmUp; i < images; i++) {
        long wait = start + TimeUnit.SECONDS.toNanos(1) * (i - warmUp) / rate - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        Event event = events.get(i);
        if (event != null) {
          int index = i;
          firedAt.put(index, System.currentTimeMillis());
          done.add(
              runner.submit(
                  () -> {
                    event.run();
                    return null;
                  }));
        }
        // An image, then its label.
        acks.add(producer.send(records.get(2 * i)));
        acks.add(producer.send(records.get(2 * i + 1)));
      }
      for (Future<?> ack : acks) {
        ack.get(180, TimeUnit.SECONDS);
      }
      for (Future<?> event : done) {
        event.get(300, TimeUnit.SECONDS);
      }
    } finally {
      runner.shutdownNow();
    }
  }
}
