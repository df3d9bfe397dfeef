package io.digitstream.demo;

import io.digitstream.record.Alert;
import io.digitstream.record.AlertKind;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints each alert as it fires and as it clears, one line each, and keeps count for the demo's
 * summary. A record that repeats the state already printed for its key (a replay, a duplicate) is
 * not printed again. Safe to call from one thread at a time.
 */
final class AlertTicker {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  private final PrintStream out;
  private final DateTimeFormatter clock;
  private final Map<String, Alert> current = new LinkedHashMap<>();
  private long fired;
  private long resolved;
  private long unreadable;

  /**
   * @param zone the zone window times are printed in
   */
  AlertTicker(PrintStream out, ZoneId zone) {
    this.out = out;
    this.clock = CLOCK.withZone(zone);
  }

  /** What the ticker saw: alert records printed, and which alerts are firing at the end. */
  record Tally(long fired, long resolved, long unreadable, List<Alert> firing) {
    Tally {
      firing = List.copyOf(firing);
    }

    /** One line for the summary. */
    String describe() {
      if (fired + resolved + unreadable == 0) {
        return "none fired";
      }
      StringBuilder text =
          new StringBuilder(String.format(Locale.ROOT, "%,d fired, %,d resolved", fired, resolved));
      if (!firing.isEmpty()) {
        text.append("; still firing: ");
        for (int i = 0; i < firing.size(); i++) {
          Alert a = firing.get(i);
          text.append(i == 0 ? "" : ", ")
              .append(a.kind().label())
              .append(" (")
              .append(a.modelVersion())
              .append(')');
        }
      }
      if (unreadable > 0) {
        text.append(String.format(Locale.ROOT, "; %,d unreadable alert records", unreadable));
      }
      return text.toString();
    }
  }

  /** Prints {@code alert} if it changes what is known of its key. */
  synchronized void accept(Alert alert) {
    Alert before = current.put(alert.key(), alert);
    if (before != null && before.state() == alert.state() && before.firedAt() == alert.firedAt()) {
      return;
    }
    if (alert.firing()) {
      fired++;
    } else {
      resolved++;
    }
    out.println(line(alert));
  }

  /** An alert record that could not be read: said, counted, and skipped. */
  synchronized void unreadable(String where, String reason) {
    unreadable++;
    out.println("ALERT record " + where + " unreadable, skipped: " + reason);
  }

  /** The watch of the alerts topic ended early: said at once, and again in the summary. */
  synchronized void watchFailed(String topic, String reason) {
    out.println("ALERT WATCH FAILED on " + topic + ": " + reason);
  }

  synchronized Tally tally() {
    List<Alert> firing = new ArrayList<>();
    current.values().stream().filter(Alert::firing).forEach(firing::add);
    return new Tally(fired, resolved, unreadable, firing);
  }

  /**
   * {@code ALERT FIRING input-drift 83c0d6a82a4b: <message>; value 0.41 (threshold 0.25), window
   * 12:01:00–12:02:00, 1,204 images}.
   */
  String line(Alert a) {
    StringBuilder line =
        new StringBuilder("ALERT ")
            .append(a.firing() ? "FIRING " : "RESOLVED ")
            .append(a.kind().label())
            .append(' ')
            .append(a.modelVersion())
            .append(": ");
    if (a.message() != null && !a.message().isBlank()) {
      line.append(a.message().strip()).append("; ");
    }
    line.append(
        String.format(
            Locale.ROOT, "value %s (threshold %s)", figure(a.value()), figure(a.threshold())));
    if (a.windowEnd() > a.windowStart()) {
      line.append(", window ")
          .append(clock.format(Instant.ofEpochMilli(a.windowStart())))
          .append('–')
          .append(clock.format(Instant.ofEpochMilli(a.windowEnd())));
    }
    line.append(String.format(Locale.ROOT, ", %,d %s", a.count(), counted(a.kind())));
    return line.toString();
  }

  private static String counted(AlertKind kind) {
    return switch (kind) {
      case MEASURED_ACCURACY_DROP, ERROR_RATE_CHANGE -> "labelled images";
      case DEAD_LETTER_RISE -> "records";
      default -> "images";
    };
  }

  private static String figure(double v) {
    return Double.isFinite(v)
        ? new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString()
        : String.valueOf(v);
  }
}
