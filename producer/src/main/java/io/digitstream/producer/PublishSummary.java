package io.digitstream.producer;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.digitstream.producer.source.BadInput;
import io.digitstream.producer.source.InternalFailure;
import io.digitstream.record.Json;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/**
 * The result of one run of {@link DigitPublisher#publish}: what was sent, what failed and why. Its
 * JSON form ({@link #toJson()}) is what {@code produce --json} prints.
 *
 * @param outcome how the run ended
 * @param error why it ended early, or null
 * @param source the source's name
 * @param imagesTopic the images topic
 * @param labelsTopic the labels topic, or null when labels were not sent
 * @param imagesSent images acknowledged by Kafka
 * @param labelsSent labels acknowledged by Kafka
 * @param unlabelled images sent without a label because the source had none for them
 * @param failedCount records Kafka refused or never acknowledged
 * @param failures the first {@value SendTracker#MAX_LISTED} of them, with ids and errors
 * @param badInputCount inputs skipped as unusable
 * @param badInputs the first {@value #MAX_LISTED_BAD_INPUTS} of them, with reasons
 * @param internalErrorCount inputs skipped because digitstream failed on them (bugs, not bad input)
 * @param internalErrors the first {@value #MAX_LISTED_BAD_INPUTS} of them, with what was thrown
 * @param seconds wall-clock time of the whole run, topic checks and label delay included
 * @param imagesPerSecond acknowledged images per second, from the first send to the last
 *     acknowledgement
 * @param shift what a shift on purpose did ({@code produce --shift}), or null without one
 */
@JsonPropertyOrder({"outcome", "exitCode", "error"})
public record PublishSummary(
    Outcome outcome,
    String error,
    String source,
    String imagesTopic,
    String labelsTopic,
    long imagesSent,
    long labelsSent,
    long unlabelled,
    long failedCount,
    List<FailedSend> failures,
    long badInputCount,
    List<BadInput> badInputs,
    long internalErrorCount,
    List<InternalFailure> internalErrors,
    double seconds,
    double imagesPerSecond,
    ShiftSummary shift) {

  /** Bad inputs listed by file; the count covers all of them. */
  public static final int MAX_LISTED_BAD_INPUTS = 100;

  /** How a run ended, with the process exit code {@code produce} uses for it. */
  public enum Outcome {
    /** Every input was published or skipped as bad; every record acknowledged. */
    COMPLETED(0),
    /**
     * Every input was taken and every record acknowledged, but digitstream failed on at least one
     * input (a bug, listed with what was thrown); the others were published.
     */
    INTERNAL_ERROR(1),
    /** Kafka refused or never acknowledged at least one record. */
    SEND_FAILED(1),
    /** Kafka could not be reached or a topic was missing or not ready; nothing was sent. */
    KAFKA_UNAVAILABLE(1),
    /** An input was unusable and the run was told to fail on bad input. */
    BAD_INPUT(2),
    /** Settings or sources that cannot work, e.g. an invalid value or a missing IDX file. */
    BAD_CONFIG(2),
    /** {@link DigitPublisher#stop()} ended the run before the source was exhausted. */
    STOPPED(130);

    private final int exitCode;

    Outcome(int exitCode) {
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }
  }

  public PublishSummary {
    failures = List.copyOf(failures);
    badInputs = List.copyOf(badInputs);
    internalErrors = List.copyOf(internalErrors);
  }

  /** A run that could not start, e.g. because of invalid settings. */
  public static PublishSummary notStarted(Outcome outcome, String error) {
    return new PublishSummary(
        outcome, error, null, null, null, 0, 0, 0, 0, List.of(), 0, List.of(), 0, List.of(), 0, 0,
        null);
  }

  /**
   * The process exit code for this outcome: 0 ok, 1 failed sends or internal errors, 2 bad input or
   * settings.
   */
  @JsonProperty("exitCode")
  public int exitCode() {
    return outcome.exitCode();
  }

  /** Whether any input got as far as Kafka or was found bad. */
  boolean attempted() {
    return imagesSent + failedCount + badInputCount + internalErrorCount > 0;
  }

  /** One JSON object, the summary's machine-readable form. */
  public String toJson() {
    try {
      return Json.MAPPER.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A few lines for people, listing up to {@code maxListed} failures and bad inputs. */
  public String toText(int maxListed) {
    StringBuilder out = new StringBuilder();
    if (source != null && (attempted() || outcome == Outcome.COMPLETED)) {
      out.append(
          String.format(
              Locale.ROOT,
              "Published %d image%s to %s%s from %s in %.1f s (%.1f images/s).%n",
              imagesSent,
              imagesSent == 1 ? "" : "s",
              imagesTopic,
              labelsTopic == null
                  ? ""
                  : String.format(
                      Locale.ROOT,
                      " and %d label%s to %s",
                      labelsSent,
                      labelsSent == 1 ? "" : "s",
                      labelsTopic),
              source,
              seconds,
              imagesPerSecond));
      if (labelsTopic != null && unlabelled > 0) {
        out.append(String.format(Locale.ROOT, "%d images had no label to send.%n", unlabelled));
      }
      if (shift != null) {
        out.append(shift.toText());
      }
    }
    if (badInputCount > 0) {
      out.append(
          String.format(
              Locale.ROOT,
              "Skipped %d bad input%s:%n",
              badInputCount,
              badInputCount == 1 ? "" : "s"));
      badInputs.stream()
          .limit(maxListed)
          .forEach(
              b -> out.append("  ").append(b.input()).append(": ").append(b.reason()).append('\n'));
      appendMore(out, badInputCount, maxListed);
    }
    if (internalErrorCount > 0) {
      out.append(
          String.format(
              Locale.ROOT,
              "FAILED: %d input%s hit an internal error (a bug in digitstream, not bad input):%n",
              internalErrorCount,
              internalErrorCount == 1 ? "" : "s"));
      internalErrors.stream()
          .limit(maxListed)
          .forEach(
              f -> out.append("  ").append(f.input()).append(": ").append(f.reason()).append('\n'));
      appendMore(out, internalErrorCount, maxListed);
    }
    if (failedCount > 0) {
      out.append(
          String.format(
              Locale.ROOT,
              "FAILED: %d record%s not acknowledged by Kafka:%n",
              failedCount,
              failedCount == 1 ? " was" : "s were"));
      failures.stream()
          .limit(maxListed)
          .forEach(
              f ->
                  out.append("  ")
                      .append(f.id())
                      .append(" -> ")
                      .append(f.topic())
                      .append(": ")
                      .append(f.error())
                      .append('\n'));
      appendMore(out, failedCount, maxListed);
    }
    if (error != null && outcome == Outcome.STOPPED) {
      out.append(Character.toUpperCase(error.charAt(0))).append(error.substring(1)).append(".\n");
    } else if (error != null) {
      out.append("ERROR: ").append(error).append('\n');
    }
    return out.toString();
  }

  private static void appendMore(StringBuilder out, long count, int listed) {
    if (count > listed) {
      out.append("  ... and ").append(count - listed).append(" more\n");
    }
  }
}
