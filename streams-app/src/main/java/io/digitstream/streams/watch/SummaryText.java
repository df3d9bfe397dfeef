package io.digitstream.streams.watch;

import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.streams.accuracy.VersionSummary;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.metrics.InstanceStats;
import io.digitstream.streams.web.Summary;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a {@link Summary} as plain text lines for a terminal: figures, sparkline, matrix. */
final class SummaryText {
  private static final String BLOCKS = "▁▂▃▄▅▆▇█";
  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());
  private static final int SPARK_POINTS = 60;

  private SummaryText() {}

  /** The summary of {@code source}, restricted to {@code onlyVersion} if not null. */
  static List<String> render(Summary summary, String source, String onlyVersion) {
    StringBuilder out = new StringBuilder();
    InstanceStats total = summary.total();
    out.append(
        String.format(
            Locale.ROOT,
            "digitstream  %s  %s  state %s, %d instance%s%n",
            source,
            CLOCK.format(Instant.ofEpochMilli(summary.generatedAt())),
            summary.state(),
            summary.instances().size(),
            summary.instances().size() == 1 ? "" : "s"));
    out.append(
        String.format(
            Locale.ROOT,
            "throughput %,.0f images/s   scored %,d   dead letters %,d%n",
            total.imagesPerSecond(),
            total.imagesScored(),
            total.deadLetters()));
    out.append(
        String.format(
            Locale.ROOT,
            "latency  scoring a batch p50 %s p99 %s   end to end p50 %s p99 %s%n",
            ms(total.scoringLatencyMs(), true),
            ms(total.scoringLatencyMs(), false),
            ms(total.endToEndLatencyMs(), true),
            ms(total.endToEndLatencyMs(), false)));
    out.append("labels   ").append(counts(total.labels()));
    out.append("   predictions ").append(counts(total.predictions())).append('\n');
    for (String problem : summary.problems()) {
      out.append("note: ").append(problem).append('\n');
    }
    boolean any = false;
    for (VersionSummary v : summary.versions()) {
      if (onlyVersion != null && !onlyVersion.equals(v.modelVersion())) {
        continue;
      }
      any = true;
      out.append('\n');
      version(out, v);
    }
    if (!any) {
      out.append('\n')
          .append(
              onlyVersion == null
                  ? "No pairs yet: waiting for predictions and their labels."
                  : "No pairs yet for model version " + onlyVersion + ".")
          .append('\n');
    }
    return out.toString().lines().toList();
  }

  private static void version(StringBuilder out, VersionSummary v) {
    out.append("model ").append(v.modelVersion()).append('\n');
    out.append("  cumulative      ").append(figure(v.cumulative())).append('\n');
    out.append("  rolling         ").append(figure(v.rolling())).append('\n');
    out.append("  latest tumbling ").append(figure(v.latestTumbling())).append('\n');
    List<VersionSummary.AccuracyPoint> history = v.rollingHistory();
    if (!history.isEmpty()) {
      out.append("  rolling history ").append(sparkline(history)).append('\n');
    }
    out.append('\n');
    ConfusionMatrix m = v.cumulative().matrix();
    m.toText().lines().forEach(line -> out.append("  ").append(line).append('\n'));
  }

  private static String figure(AccuracyWindow w) {
    if (w == null) {
      return "-";
    }
    return String.format(
        Locale.ROOT,
        "%7.3f %% of %,d  [%s, %s)",
        100 * w.matrix().accuracy(),
        w.matrix().count(),
        CLOCK.format(Instant.ofEpochMilli(w.windowStart())),
        CLOCK.format(Instant.ofEpochMilli(w.windowEnd())));
  }

  /** Accuracy over time as block characters, scaled between the lowest and highest point. */
  static String sparkline(List<VersionSummary.AccuracyPoint> history) {
    List<VersionSummary.AccuracyPoint> shown =
        history.subList(Math.max(0, history.size() - SPARK_POINTS), history.size());
    double min = shown.stream().mapToDouble(VersionSummary.AccuracyPoint::accuracy).min().orElse(0);
    double max = shown.stream().mapToDouble(VersionSummary.AccuracyPoint::accuracy).max().orElse(1);
    StringBuilder sb = new StringBuilder();
    for (VersionSummary.AccuracyPoint p : shown) {
      int level =
          max - min < 1e-12
              ? BLOCKS.length() - 1
              : (int) Math.round((p.accuracy() - min) / (max - min) * (BLOCKS.length() - 1));
      sb.append(BLOCKS.charAt(level));
    }
    return String.format(Locale.ROOT, "%s  %.3f-%.3f %%", sb, 100 * min, 100 * max);
  }

  private static String counts(Map<String, Long> counts) {
    StringBuilder sb = new StringBuilder();
    counts.forEach(
        (k, v) ->
            sb.append(sb.isEmpty() ? "" : ", ")
                .append(k)
                .append(' ')
                .append(String.format(Locale.ROOT, "%,d", v)));
    return sb.toString();
  }

  private static String ms(AppMetrics.Latency latency, boolean median) {
    return duration(median ? latency.p50() : latency.p99());
  }

  /** Milliseconds in the unit a person reads best: replayed images can be minutes old. */
  static String duration(double millis) {
    if (millis < 1000) {
      return String.format(Locale.ROOT, "%.1f ms", millis);
    }
    if (millis < 120_000) {
      return String.format(Locale.ROOT, "%.1f s", millis / 1000);
    }
    return String.format(Locale.ROOT, "%.1f min", millis / 60_000);
  }
}
