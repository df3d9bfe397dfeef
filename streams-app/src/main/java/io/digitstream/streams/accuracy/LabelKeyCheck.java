package io.digitstream.streams.accuracy;

import io.digitstream.record.DigitLabel;
import io.digitstream.record.InvalidRecordException;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Lets through only labels keyed by their own image id: the key decides the partition, and a label
 * on another partition than its image would never meet the prediction. A refused label goes to the
 * dead-letter topic through the processing exception handler, like a refused image.
 */
public final class LabelKeyCheck implements FixedKeyProcessor<String, DigitLabel, DigitLabel> {
  private static final int MAX_SHOWN = 80;
  private FixedKeyProcessorContext<String, DigitLabel> context;

  @Override
  public void init(FixedKeyProcessorContext<String, DigitLabel> context) {
    this.context = context;
  }

  @Override
  public void process(FixedKeyRecord<String, DigitLabel> record) {
    String key = record.key();
    String id = record.value().id();
    if (key == null) {
      throw new InvalidRecordException(
          "key is null: a label must be keyed by its image id '" + shorten(id) + "'");
    }
    if (!key.equals(id)) {
      throw new InvalidRecordException(
          "label key '" + shorten(key) + "' differs from its image id '" + shorten(id) + "'");
    }
    context.forward(record);
  }

  private static String shorten(String s) {
    return s.length() <= MAX_SHOWN ? s : s.substring(0, MAX_SHOWN) + "...";
  }
}
