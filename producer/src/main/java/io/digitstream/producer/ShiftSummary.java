package io.digitstream.producer;

import io.digitstream.image.Shift;
import io.digitstream.image.ShiftKind;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Collectors;

/**
 * What a run's {@link Shift} did: part of the {@link PublishSummary}.
 *
 * @param shift the shift, in words
 * @param at the index of the first input it could distort
 * @param distorted distorted images Kafka acknowledged
 * @param byKind those images by kind label, in the kinds' order, kinds with none left out
 * @param nonDigits of them, images replaced by non-digits and so sent without a label
 */
public record ShiftSummary(
    String shift, long at, long distorted, Map<String, Long> byKind, long nonDigits) {
  public ShiftSummary {
    byKind = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byKind));
  }

  static ShiftSummary of(Shift shift, AtomicLongArray counts) {
    Map<String, Long> byKind = new LinkedHashMap<>();
    long total = 0;
    for (ShiftKind kind : ShiftKind.values()) {
      long n = counts.get(kind.ordinal());
      if (n > 0) {
        byKind.put(kind.label(), n);
        total += n;
      }
    }
    return new ShiftSummary(
        shift.describe(), shift.at(), total, byKind, counts.get(ShiftKind.NONDIGIT.ordinal()));
  }

  /** One line (two with non-digits) for the text summary. */
  String toText() {
    String kinds =
        byKind.entrySet().stream()
            .map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue()))
            .collect(Collectors.joining(", "));
    StringBuilder out =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "Shift: distorted %,d image%s%s (%s).%n",
                distorted,
                distorted == 1 ? "" : "s",
                kinds.isEmpty() ? "" : ": " + kinds,
                shift));
    if (nonDigits > 0) {
      out.append(
          String.format(
              Locale.ROOT,
              "%,d image%s replaced by non-digits went without a label (they show no digit).%n",
              nonDigits,
              nonDigits == 1 ? "" : "s"));
    }
    return out.toString();
  }
}
