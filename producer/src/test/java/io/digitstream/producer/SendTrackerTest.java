package io.digitstream.producer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;

class SendTrackerTest {
  private final SendTracker tracker = new SendTracker(SecretScrubber.of(new Properties()));

  @Test
  void countsAcknowledgedImagesAndLabelsSeparately() {
    tracker.sending("a", "images", true).onCompletion(null, null);
    tracker.sending("a", "labels", false).onCompletion(null, null);
    tracker.sending("b", "images", true).onCompletion(null, null);

    assertThat(tracker.imagesAcked()).isEqualTo(2);
    assertThat(tracker.labelsAcked()).isEqualTo(1);
    assertThat(tracker.anyFailed()).isFalse();
    assertThat(tracker.inFlight()).isZero();
  }

  @Test
  void recordsTheIdTopicAndErrorOfAFailedSendOnce() {
    Callback callback = tracker.sending("img-7", "images", true);
    RecordTooLargeException error = new RecordTooLargeException("too big");
    callback.onCompletion(null, error);
    callback.onCompletion(null, error);

    assertThat(tracker.failed()).isEqualTo(1);
    assertThat(tracker.failures())
        .containsExactly(new FailedSend("img-7", "images", "RecordTooLargeException: too big"));
  }

  @Test
  void recordsStillUnansweredAtTheEndCountAsFailed() {
    tracker.sending("answered", "images", true).onCompletion(null, null);
    tracker.sending("lost", "labels", false);

    tracker.failUnacknowledged();

    assertThat(tracker.failures())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.id()).isEqualTo("lost");
              assertThat(f.error()).contains("no acknowledgement");
            });
  }

  @Test
  void listsAtMostAHundredFailuresButCountsThemAll() {
    for (int i = 0; i < 250; i++) {
      tracker
          .sending("img-" + i, "images", true)
          .onCompletion(null, new RecordTooLargeException("x"));
    }
    assertThat(tracker.failed()).isEqualTo(250);
    assertThat(tracker.failures()).hasSize(SendTracker.MAX_LISTED);
  }
}
