package io.digitstream.streams.web;

import io.digitstream.streams.accuracy.VersionSummary;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.metrics.InstanceStats;
import io.digitstream.streams.metrics.Throughput;
import io.digitstream.streams.models.ModelStatus;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the accuracy page and {@code digitstream watch} show, in one answer of {@code GET
 * /api/summary}: per model version its matrices and rolling accuracy, and the operational figures
 * of every instance with their total.
 *
 * @param generatedAt when this summary was made, epoch ms
 * @param state the answering instance's Kafka Streams state
 * @param versions every model version with pairs, sorted by version
 * @param total the instances' figures added up: counts and rates summed, latencies the worst
 *     instance's
 * @param instances each instance's own figures
 * @param problems what could not be read just now (a rebalance, an instance not answering); empty
 *     when the summary is complete
 * @param model the answering instance's active model, shadow and latest announcement (every
 *     instance follows the same announcements); null when not known
 * @param driftThresholds the threshold of each drift score, by the score's name ({@code digit-mix},
 *     {@code input}, {@code confidence}, {@code error-cusum}), from the settings; the page draws
 *     the scores against them. Empty when not known
 */
public record Summary(
    long generatedAt,
    String state,
    List<VersionSummary> versions,
    InstanceStats total,
    List<InstanceStats> instances,
    List<String> problems,
    ModelStatus model,
    Map<String, Double> driftThresholds) {

  public Summary {
    driftThresholds =
        driftThresholds == null
            ? Map.of()
            : Collections.unmodifiableMap(new TreeMap<>(driftThresholds));
  }

  /** Adds up several instances' figures. */
  public static InstanceStats total(List<InstanceStats> instances) {
    long scored = 0;
    double rate = 0;
    long deadLetters = 0;
    AppMetrics.Latency scoring = new AppMetrics.Latency(0, 0, 0);
    AppMetrics.Latency endToEnd = new AppMetrics.Latency(0, 0, 0);
    Map<String, Long> labels = new LinkedHashMap<>();
    Map<String, Long> predictions = new LinkedHashMap<>();
    long[] byDigit = new long[10];
    // Samples are one per second on every instance; add them up by second.
    TreeMap<Long, Double> perSecond = new TreeMap<>();
    for (InstanceStats s : instances) {
      scored += s.imagesScored();
      rate += s.imagesPerSecond();
      deadLetters += s.deadLetters();
      scoring = scoring.worst(s.scoringLatencyMs());
      endToEnd = endToEnd.worst(s.endToEndLatencyMs());
      s.labels().forEach((k, v) -> labels.merge(k, v, Long::sum));
      s.predictions().forEach((k, v) -> predictions.merge(k, v, Long::sum));
      for (int d = 0; d < Math.min(10, s.predictionsByDigit().size()); d++) {
        byDigit[d] += s.predictionsByDigit().get(d);
      }
      for (Throughput.Sample sample : s.throughput()) {
        perSecond.merge(sample.time() / 1000, sample.imagesPerSecond(), Double::sum);
      }
    }
    List<Throughput.Sample> throughput = new ArrayList<>();
    perSecond.forEach((second, r) -> throughput.add(new Throughput.Sample(second * 1000, r)));
    List<Long> digits = new ArrayList<>();
    for (long c : byDigit) {
      digits.add(c);
    }
    return new InstanceStats(
        "all",
        instances.isEmpty() ? "UNKNOWN" : instances.get(0).state(),
        scored,
        rate,
        throughput,
        scoring,
        endToEnd,
        deadLetters,
        labels,
        predictions,
        digits);
  }
}
