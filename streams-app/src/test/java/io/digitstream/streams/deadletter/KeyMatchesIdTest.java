package io.digitstream.streams.deadletter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.record.DigitImage;
import io.digitstream.record.DigitLabel;
import io.digitstream.record.InvalidRecordException;
import io.digitstream.topic.TopicNames;
import io.digitstream.topic.Topics;
import java.util.Properties;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.junit.jupiter.api.Test;

/** The one key check, on either record type, with no broker. */
class KeyMatchesIdTest {
  private static final Topics TOPICS = new Topics(TopicNames.defaults());

  @Test
  void letsThroughAnImageAndALabelKeyedByTheirOwnId() {
    byte[] pixels = new byte[DigitImage.PIXELS];
    DigitImage image = new DigitImage("img-1", pixels, null);
    assertThat(through(TOPICS.images(), KeyMatchesId::images, "img-1", image)).isEqualTo(image);
    DigitLabel label = new DigitLabel("img-1", 7);
    assertThat(through(TOPICS.labels(), KeyMatchesId::labels, "img-1", label)).isEqualTo(label);
  }

  @Test
  void namesTheRecordTypeInTheReasonForANullKey() {
    assertThatThrownBy(
            () -> through(TOPICS.labels(), KeyMatchesId::labels, null, new DigitLabel("img-1", 7)))
        .rootCause()
        .isInstanceOf(InvalidRecordException.class)
        .hasMessage("key is null: a label must be keyed by its image id 'img-1'");
  }

  @Test
  void shortensALongKeyInTheReasonSoTheDeadLetterHeaderStaysReadable() {
    String key = "k".repeat(200);
    assertThatThrownBy(
            () -> through(TOPICS.labels(), KeyMatchesId::labels, key, new DigitLabel("img-1", 7)))
        .rootCause()
        .isInstanceOf(InvalidRecordException.class)
        .hasMessage("label key '" + "k".repeat(80) + "...' differs from its image id 'img-1'");
  }

  /** Pipes one record through the check alone; returns what came out. */
  private static <V> V through(
      Topics.Topic<V> topic, FixedKeyProcessorSupplier<String, V, V> check, String key, V value) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(topic.name(), Consumed.with(topic.keySerde(), topic.valueSerde()))
        .processValues(check)
        .to("out", Produced.with(topic.keySerde(), topic.valueSerde()));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "key-check-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
      TestInputTopic<String, V> in =
          driver.createInputTopic(
              topic.name(), topic.keySerde().serializer(), topic.valueSerde().serializer());
      TestOutputTopic<String, V> out =
          driver.createOutputTopic(
              "out", topic.keySerde().deserializer(), topic.valueSerde().deserializer());
      in.pipeInput(key, value);
      return out.readValue();
    }
  }
}
