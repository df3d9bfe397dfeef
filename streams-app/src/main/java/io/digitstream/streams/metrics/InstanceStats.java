package io.digitstream.streams.metrics;

import java.util.List;
import java.util.Map;

/**
 * One instance's operational figures, as {@code GET /internal/stats} returns them and as {@code
 * /api/summary} adds them up over all instances.
 *
 * @param server the instance's {@code application.server} (host:port), or "all" for a total
 * @param state its Kafka Streams state
 * @param imagesScored images scored since it started
 * @param imagesPerSecond images scored per second over the last few seconds
 * @param throughput per-second rates over the last two minutes, oldest first
 * @param scoringLatencyMs time the model takes per batch, ms
 * @param endToEndLatencyMs from an image's timestamp to its prediction, ms
 * @param deadLetters records sent to the dead-letter topic
 * @param labels labels at the join by outcome (paired, late, unmatched, duplicate)
 * @param predictions predictions at the join by outcome (paired, unlabelled, duplicate)
 * @param predictionsByDigit predictions per predicted digit, index = digit
 */
public record InstanceStats(
    String server,
    String state,
    long imagesScored,
    double imagesPerSecond,
    List<Throughput.Sample> throughput,
    AppMetrics.Latency scoringLatencyMs,
    AppMetrics.Latency endToEndLatencyMs,
    long deadLetters,
    Map<String, Long> labels,
    Map<String, Long> predictions,
    List<Long> predictionsByDigit) {}
