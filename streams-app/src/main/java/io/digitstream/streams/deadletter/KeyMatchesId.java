package io.digitstream.streams.deadletter;

import io.digitstream.record.DigitImage;
import io.digitstream.record.DigitLabel;
import io.digitstream.record.InvalidRecordException;
import java.util.function.Function;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Lets through only records keyed by their own image id. The key decides the partition, and an
 * image's prediction and its label must meet in the same partition, so a record with a null or
 * different key is refused; the processing exception handler sends it to the dead-letter topic with
 * the reason.
 *
 * @param <V> the record type: {@link #images} or {@link #labels}
 */
public final class KeyMatchesId<V> implements FixedKeyProcessor<String, V, V> {
  private static final int MAX_SHOWN = 80;

  private final Function<V, String> id;
  private final String rule;
  private final String keyName;
  private final String idName;
  private FixedKeyProcessorContext<String, V> context;

  private KeyMatchesId(Function<V, String> id, String rule, String keyName, String idName) {
    this.id = id;
    this.rule = rule;
    this.keyName = keyName;
    this.idName = idName;
  }

  /** The check on the images topic. */
  public static KeyMatchesId<DigitImage> images() {
    return new KeyMatchesId<>(
        DigitImage::id, "an image must be keyed by its id", "key", "the image id");
  }

  /** The check on the labels topic: a label's id is the id of its image. */
  public static KeyMatchesId<DigitLabel> labels() {
    return new KeyMatchesId<>(
        DigitLabel::id, "a label must be keyed by its image id", "label key", "its image id");
  }

  @Override
  public void init(FixedKeyProcessorContext<String, V> context) {
    this.context = context;
  }

  @Override
  public void process(FixedKeyRecord<String, V> record) {
    String key = record.key();
    String expected = id.apply(record.value());
    if (key == null) {
      throw new InvalidRecordException("key is null: " + rule + " '" + shorten(expected) + "'");
    }
    if (!key.equals(expected)) {
      throw new InvalidRecordException(
          keyName
              + " '"
              + shorten(key)
              + "' differs from "
              + idName
              + " '"
              + shorten(expected)
              + "'");
    }
    context.forward(record);
  }

  private static String shorten(String s) {
    return s.length() <= MAX_SHOWN ? s : s.substring(0, MAX_SHOWN) + "...";
  }
}
