package io.digitstream.record;

import io.digitstream.accuracy.AccuracyWindow;

/**
 * Converts one record type to and from its JSON bytes. Decoding validates and throws {@link
 * InvalidRecordException} with a reason a person understands.
 */
public interface Codec<T> {
  /**
   * Records larger than this are refused before parsing, so one huge record cannot exhaust memory.
   */
  int MAX_RECORD_BYTES = 64 * 1024;

  byte[] encode(T value);

  T decode(byte[] bytes);

  /** The codec for images: pixels as base64 when writing; base64 or an int array when reading. */
  static Codec<DigitImage> images() {
    return ImageCodec.INSTANCE;
  }

  static Codec<DigitLabel> labels() {
    return new RecordCodec<>(DigitLabel.class);
  }

  static Codec<Prediction> predictions() {
    return new RecordCodec<>(Prediction.class);
  }

  static Codec<ModelAnnouncement> modelAnnouncements() {
    return new RecordCodec<>(ModelAnnouncement.class);
  }

  static Codec<Alert> alerts() {
    return new RecordCodec<>(Alert.class);
  }

  static Codec<AccuracyWindow> accuracyWindows() {
    return new RecordCodec<>(AccuracyWindow.class);
  }
}
