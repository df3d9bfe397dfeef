package io.digitstream.streams.scoring;

import io.digitstream.record.DigitImage;
import io.digitstream.record.InvalidRecordException;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Lets through only images keyed by their own id. The key decides the partition, and predictions
 * and labels of one image must meet in the same partition, so a record with a null or different key
 * is refused; the processing exception handler sends it to the dead-letter topic.
 */
public final class ImageKeyCheck implements FixedKeyProcessor<String, DigitImage, DigitImage> {
  private static final int MAX_SHOWN = 80;
  private FixedKeyProcessorContext<String, DigitImage> context;

  @Override
  public void init(FixedKeyProcessorContext<String, DigitImage> context) {
    this.context = context;
  }

  @Override
  public void process(FixedKeyRecord<String, DigitImage> record) {
    String key = record.key();
    String id = record.value().id();
    if (key == null) {
      throw new InvalidRecordException(
          "key is null: an image must be keyed by its id '" + shorten(id) + "'");
    }
    if (!key.equals(id)) {
      throw new InvalidRecordException(
          "key '" + shorten(key) + "' differs from the image id '" + shorten(id) + "'");
    }
    context.forward(record);
  }

  private static String shorten(String s) {
    return s.length() <= MAX_SHOWN ? s : s.substring(0, MAX_SHOWN) + "...";
  }
}
