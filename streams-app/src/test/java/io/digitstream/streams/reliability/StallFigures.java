package io.digitstream.streams.reliability;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.record.Codec;
import io.digitstream.record.Prediction;
import io.digitstream.streams.Fixtures;
import io.digitstream.testkit.TestClients;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * How long an outage stalled a steady stream, read off the committed predictions: the longest gap
 * between two predictions and latency quantiles (scored minus image time) for images stamped
 * before, during and after it; and the matrices to compare.
 */
final class StallFigures {
  private final List<Prediction> predictions;

  private StallFigures(List<Prediction> predictions) {
    this.predictions = predictions;
  }

  static StallFigures of(List<ConsumerRecord<String, byte[]>> records) {
    return new StallFigures(
        records.stream().map(r -> Codec.predictions().decode(r.value())).toList());
  }

  /** The longest time without a prediction among those of images stamped from {@code since}. */
  long longestGapMillis(long since) {
    long[] scoredAt =
        predictions.stream()
            .filter(x -> x.imageTimestamp() >= since)
            .mapToLong(Prediction::scoredAt)
            .sorted()
            .toArray();
    long gap = 0;
    for (int i = 1; i < scoredAt.length; i++) {
      gap = Math.max(gap, scoredAt[i] - scoredAt[i - 1]);
    }
    return gap;
  }

  /**
   * The {@code q} quantile of latency (ms) for images stamped in {@code [from, to)}; -1 if none.
   */
  long latency(double q, long from, long to) {
    long[] latency =
        predictions.stream()
            .filter(x -> x.imageTimestamp() >= from && x.imageTimestamp() < to)
            .mapToLong(x -> x.scoredAt() - x.imageTimestamp())
            .sorted()
            .toArray();
    if (latency.length == 0) {
      return -1;
    }
    return latency[Math.min(latency.length - 1, (int) Math.ceil(q * latency.length) - 1)];
  }

  /**
   * p99 of images stamped from {@code since} to {@code start}, from it to 10 s after {@code end},
   * and later; p99.9 from {@code since}.
   */
  String around(long since, long start, long end) {
    return String.format(
        "longest gap between predictions %d ms; latency p99 before %d ms, during and 10 s after"
            + " %d ms, after %d ms; p99.9 overall %d ms",
        longestGapMillis(since),
        latency(0.99, since, start),
        latency(0.99, start, end + 10_000),
        latency(0.99, end + 10_000, Long.MAX_VALUE),
        latency(0.999, since, Long.MAX_VALUE));
  }

  /** What {@code evaluate} gives on the first {@code images} test images, one at a time. */
  static ConfusionMatrix offlineMatrix(int images) {
    int distinct = Fixtures.digits().size();
    int[] predicted = new int[distinct];
    for (int j = 0; j < distinct; j++) {
      predicted[j] = Fixtures.reference().classify(Fixtures.image("x", j).pixels()).digit();
    }
    long[][] counts = new long[10][10];
    for (int i = 0; i < images; i++) {
      int j = i % distinct;
      counts[Fixtures.digits().label(j)][predicted[j]]++;
    }
    return ConfusionMatrix.of(counts);
  }

  /** The newest cumulative matrix of the fixture model on application {@code name}'s topic. */
  static Optional<ConfusionMatrix> cumulativeMatrix(TestClients clients, String name) {
    return cumulativeMatrix(clients, name, Fixtures.bundle().version());
  }

  /** The newest cumulative matrix of {@code version} on application {@code name}'s topic. */
  static Optional<ConfusionMatrix> cumulativeMatrix(
      TestClients clients, String name, String version) {
    String key = AccuracyWindow.cumulativeKey(version);
    ConfusionMatrix newest = null;
    for (ConsumerRecord<String, byte[]> r :
        clients.readCommitted(
            name + ".accuracy", Integer.MAX_VALUE, Duration.ofSeconds(2), Duration.ZERO)) {
      if (key.equals(r.key()) && r.value() != null) {
        ConfusionMatrix m = Codec.accuracyWindows().decode(r.value()).matrix();
        if (newest == null || m.count() >= newest.count()) {
          newest = m;
        }
      }
    }
    return Optional.ofNullable(newest);
  }
}
