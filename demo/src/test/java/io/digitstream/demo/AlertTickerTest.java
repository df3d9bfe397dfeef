package io.digitstream.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.record.Alert;
import io.digitstream.record.AlertKind;
import io.digitstream.record.AlertState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class AlertTickerTest {
  private static final long WINDOW = 1_700_000_460_000L; // 22:21:00 UTC

  private static Alert alert(AlertState state, double value, long firedAt) {
    return new Alert(
        "83c0d6a82a4b",
        AlertKind.INPUT_DRIFT,
        state,
        value,
        0.25,
        WINDOW,
        WINDOW + 60_000,
        1204,
        firedAt,
        WINDOW + 61_000,
        "ink statistics differ from training");
  }

  @Test
  void printsOneLineWhenAnAlertFiresAndOneWhenItClearsAndNothingForARepeat() {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    AlertTicker ticker =
        new AlertTicker(new PrintStream(printed, true, StandardCharsets.UTF_8), ZoneOffset.UTC);

    ticker.accept(alert(AlertState.FIRING, 0.41, WINDOW + 60_000));
    ticker.accept(alert(AlertState.FIRING, 0.41, WINDOW + 60_000));
    assertThat(ticker.tally().describe())
        .isEqualTo("1 fired, 0 resolved; still firing: input-drift (83c0d6a82a4b)");
    ticker.accept(alert(AlertState.RESOLVED, 0.12, WINDOW + 60_000));

    assertThat(printed.toString(StandardCharsets.UTF_8).lines())
        .containsExactly(
            "ALERT FIRING input-drift 83c0d6a82a4b: ink statistics differ from training; value"
                + " 0.41 (threshold 0.25), window 22:21:00–22:22:00, 1,204 images",
            "ALERT RESOLVED input-drift 83c0d6a82a4b: ink statistics differ from training; value"
                + " 0.12 (threshold 0.25), window 22:21:00–22:22:00, 1,204 images");
    assertThat(ticker.tally().describe()).isEqualTo("1 fired, 1 resolved");
  }

  @Test
  void withNoAlertsTheSummarySaysNoneFired() {
    AlertTicker ticker =
        new AlertTicker(new PrintStream(new ByteArrayOutputStream()), ZoneOffset.UTC);
    assertThat(ticker.tally().describe()).isEqualTo("none fired");
  }
}
