package io.digitstream.accuracy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.record.InvalidRecordException;
import io.digitstream.topic.TopicNames;
import io.digitstream.topic.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class AccuracyWindowTest {
  private static final Serde<AccuracyWindow> SERDE =
      new Topics(TopicNames.defaults()).accuracy().valueSerde();

  @Test
  void keysAWindowByVersionKindAndStartAndTheCumulativeViewByVersionAlone() {
    ConfusionMatrix m = ConfusionMatrix.empty();
    assertThat(new AccuracyWindow("3f9a", WindowKind.TUMBLING, 1000, 61000, m).key())
        .isEqualTo("3f9a|tumbling|1000");
    assertThat(new AccuracyWindow("3f9a", WindowKind.CUMULATIVE, 1000, 61000, m).key())
        .isEqualTo("3f9a|cumulative");
  }

  @Test
  void travelsOnTheAccuracyTopicAsTheJsonOfRecordsMd() {
    AccuracyWindow window =
        new AccuracyWindow(
            "3f9a1c0d2b7e",
            WindowKind.TUMBLING,
            1763784000000L,
            1763784060000L,
            ConfusionMatrix.empty().plus(7, 7).plus(7, 1));

    byte[] json = SERDE.serializer().serialize("digits.accuracy", window);

    assertThat(new String(json, StandardCharsets.UTF_8))
        .startsWith(
            "{\"modelVersion\":\"3f9a1c0d2b7e\",\"kind\":\"tumbling\","
                + "\"windowStart\":1763784000000,\"windowEnd\":1763784060000,\"matrix\":{");
    assertThat(SERDE.deserializer().deserialize("digits.accuracy", json)).isEqualTo(window);
  }

  @Test
  void widensOnlyTheCumulativeViewWhenADeltaIsAdded() {
    ConfusionMatrix delta = ConfusionMatrix.empty().plus(3, 3);
    AccuracyWindow cumulative =
        new AccuracyWindow("v", WindowKind.CUMULATIVE, 1000, 2000, ConfusionMatrix.empty());
    AccuracyWindow tumbling =
        new AccuracyWindow("v", WindowKind.TUMBLING, 1000, 2000, ConfusionMatrix.empty());

    assertThat(cumulative.plus(delta, 500, 3000))
        .isEqualTo(new AccuracyWindow("v", WindowKind.CUMULATIVE, 500, 3000, delta));
    assertThat(tumbling.plus(delta, 500, 3000))
        .isEqualTo(new AccuracyWindow("v", WindowKind.TUMBLING, 1000, 2000, delta));
  }

  @Test
  void refusesAWindowThatEndsBeforeItStarts() {
    assertThatThrownBy(
            () -> new AccuracyWindow("v", WindowKind.HOPPING, 2000, 1000, ConfusionMatrix.empty()))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessage("windowEnd 1000 is before windowStart 2000");
  }
}
