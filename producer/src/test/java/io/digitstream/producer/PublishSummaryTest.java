package io.digitstream.producer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.digitstream.producer.PublishSummary.Outcome;
import io.digitstream.producer.source.BadInput;
import io.digitstream.producer.source.InternalFailure;
import io.digitstream.record.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PublishSummaryTest {

  private static PublishSummary failedRun() {
    List<FailedSend> failures = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      failures.add(new FailedSend("mnist-test-0000" + i, "digits.images", "TimeoutException: x"));
    }
    return new PublishSummary(
        Outcome.SEND_FAILED,
        "stopped taking new images at the first failed send",
        "mnist-test",
        "digits.images",
        "digits.labels",
        70,
        69,
        0,
        25,
        failures,
        1,
        List.of(new BadInput("scans/x.png", "not an image")),
        0,
        List.of(),
        3.5,
        20.0,
        null);
  }

  @Test
  void theJsonFormHasTheOutcomeExitCodeAndEveryCount() throws Exception {
    JsonNode json = Json.MAPPER.readTree(failedRun().toJson());

    assertThat(json.get("outcome").asText()).isEqualTo("SEND_FAILED");
    assertThat(json.get("exitCode").asInt()).isEqualTo(1);
    assertThat(json.get("imagesSent").asLong()).isEqualTo(70);
    assertThat(json.get("labelsSent").asLong()).isEqualTo(69);
    assertThat(json.get("failedCount").asLong()).isEqualTo(25);
    assertThat(json.get("failures").get(0).get("id").asText()).isEqualTo("mnist-test-00000");
    assertThat(json.get("badInputs").get(0).get("reason").asText()).isEqualTo("not an image");
    assertThat(json.get("imagesPerSecond").asDouble()).isEqualTo(20.0);
  }

  @Test
  void theTextFormListsFailuresAndBadInputsUpToTheLimit() {
    String text = failedRun().toText(20);

    assertThat(text)
        .contains("Published 70 images to digits.images and 69 labels to digits.labels")
        .contains("scans/x.png: not an image")
        .contains("FAILED: 25 records were not acknowledged")
        .contains("mnist-test-00000 -> digits.images: TimeoutException: x")
        .contains("... and 5 more")
        .contains("ERROR: stopped taking new images");
  }

  @Test
  void internalErrorsAreCountedApartFromBadInputsAndGiveExitCodeOne() throws Exception {
    InternalFailure bug =
        new InternalFailure(
            "scans/y.png",
            "java.lang.IllegalStateException: lost",
            new IllegalStateException("lost"));
    PublishSummary summary =
        new PublishSummary(
            Outcome.INTERNAL_ERROR,
            "1 of 3 inputs failed with an internal error; the others were published",
            "files:scans",
            "digits.images",
            "digits.labels",
            1,
            1,
            0,
            0,
            List.of(),
            1,
            List.of(new BadInput("scans/x.png", "not an image")),
            1,
            List.of(bug),
            0.5,
            2.0,
            null);

    JsonNode json = Json.MAPPER.readTree(summary.toJson());
    assertThat(json.get("exitCode").asInt()).isEqualTo(1);
    assertThat(json.get("badInputCount").asLong()).isEqualTo(1);
    assertThat(json.get("internalErrorCount").asLong()).isEqualTo(1);
    assertThat(json.get("internalErrors").get(0).get("input").asText()).isEqualTo("scans/y.png");
    assertThat(json.get("internalErrors").get(0).get("reason").asText())
        .isEqualTo("java.lang.IllegalStateException: lost");
    assertThat(json.get("internalErrors").get(0).has("cause")).isFalse();
    assertThat(summary.toText(20))
        .contains("Skipped 1 bad input:\n  scans/x.png: not an image")
        .contains("FAILED: 1 input hit an internal error (a bug in digitstream, not bad input)")
        .contains("  scans/y.png: java.lang.IllegalStateException: lost")
        .contains("ERROR: 1 of 3 inputs failed with an internal error");
  }

  @Test
  void aRunThatCouldNotStartShowsOnlyTheError() {
    PublishSummary summary = PublishSummary.notStarted(Outcome.BAD_CONFIG, "bad acks");

    assertThat(summary.exitCode()).isEqualTo(2);
    assertThat(summary.toText(20)).isEqualTo("ERROR: bad acks\n");
  }

  @Test
  void exitCodesFollowTheOutcome() {
    assertThat(Outcome.COMPLETED.exitCode()).isZero();
    assertThat(Outcome.INTERNAL_ERROR.exitCode()).isEqualTo(1);
    assertThat(Outcome.SEND_FAILED.exitCode()).isEqualTo(1);
    assertThat(Outcome.KAFKA_UNAVAILABLE.exitCode()).isEqualTo(1);
    assertThat(Outcome.BAD_INPUT.exitCode()).isEqualTo(2);
    assertThat(Outcome.BAD_CONFIG.exitCode()).isEqualTo(2);
  }

  @Test
  void aShiftSaysHowManyImagesWereDistortedByWhichKindAndThatNonDigitsHadNoLabel()
      throws Exception {
    java.util.concurrent.atomic.AtomicLongArray counts =
        new java.util.concurrent.atomic.AtomicLongArray(
            io.digitstream.image.ShiftKind.values().length);
    counts.set(io.digitstream.image.ShiftKind.ROTATE.ordinal(), 1200);
    counts.set(io.digitstream.image.ShiftKind.NONDIGIT.ordinal(), 1300);
    ShiftSummary shift =
        ShiftSummary.of(
            io.digitstream.image.Shift.parse("rotate,nondigit", null, 5000, 0.5, 42), counts);

    assertThat(shift.toText())
        .isEqualTo(
            "Shift: distorted 2,500 images: rotate 1,200, nondigit 1,300 (rotate 45 degrees or"
                + " nondigit on 0.5 of the images from image 5,000 on).\n"
                + "1,300 images replaced by non-digits went without a label (they show no"
                + " digit).\n");
    JsonNode json = Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(shift));
    assertThat(json.get("at").asLong()).isEqualTo(5000);
    assertThat(json.get("distorted").asLong()).isEqualTo(2500);
    assertThat(json.get("byKind").get("nondigit").asLong()).isEqualTo(1300);
    assertThat(json.get("nonDigits").asLong()).isEqualTo(1300);
    assertThat(Json.MAPPER.readTree(failedRun().toJson()).get("shift").isNull()).isTrue();
  }
}
