package io.digitstream.producer;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads durations as people type them: {@code 500ms}, {@code 2s}, {@code 1.5m}, {@code PT2S}. */
public final class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern SIMPLE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?", Pattern.CASE_INSENSITIVE);

  @Override
  public Duration convert(String value) {
    String text = value.trim();
    Matcher m = SIMPLE.matcher(text);
    try {
      if (m.matches()) {
        BigDecimal amount = new BigDecimal(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
        long millisPerUnit =
            switch (unit) {
              case "ms" -> 1;
              case "m" -> 60_000;
              case "h" -> 3_600_000;
              default -> 1_000;
            };
        return Duration.ofMillis(
            amount.multiply(BigDecimal.valueOf(millisPerUnit)).longValueExact());
      }
      Duration parsed = Duration.parse(text.toUpperCase(Locale.ROOT));
      if (!parsed.isNegative()) {
        return parsed;
      }
    } catch (ArithmeticException | DateTimeParseException e) {
      // reported below
    }
    throw new TypeConversionException(
        "'" + value + "' is not a duration: expected e.g. 0, 500ms, 2s, 1.5m or PT2S");
  }
}
