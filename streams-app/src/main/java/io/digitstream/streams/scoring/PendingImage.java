package io.digitstream.streams.scoring;

import io.digitstream.record.DigitImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * An image accepted for scoring and not yet scored, as kept in the pending-images store: only what
 * the prediction needs, in a compact binary form (about 800 bytes) because every pending image may
 * be written to the store's changelog.
 *
 * @param id the image id, the key of its prediction
 * @param pixels the {@value DigitImage#PIXELS} pixels, owned by this value (not copied)
 * @param timestamp the image record's timestamp, epoch milliseconds
 */
record PendingImage(String id, byte[] pixels, long timestamp) {
  private static final byte FORMAT = 1;

  PendingImage {
    Objects.requireNonNull(id, "id");
    if (pixels.length != DigitImage.PIXELS) {
      throw new IllegalArgumentException(
          "expected " + DigitImage.PIXELS + " pixels, got " + pixels.length);
    }
  }

  static PendingImage of(DigitImage image, long timestamp) {
    return new PendingImage(image.id(), image.pixels(), timestamp);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PendingImage other
        && id.equals(other.id)
        && timestamp == other.timestamp
        && Arrays.equals(pixels, other.pixels);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, timestamp, Arrays.hashCode(pixels));
  }

  @Override
  public String toString() {
    return "PendingImage[id=" + id + ", timestamp=" + timestamp + "]";
  }

  /** The store's value serde: format byte, timestamp, id length and UTF-8 id, then the pixels. */
  static final class StoreSerde implements Serde<PendingImage> {
    @Override
    public Serializer<PendingImage> serializer() {
      return (topic, image) -> {
        if (image == null) {
          return null;
        }
        byte[] id = image.id().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + Long.BYTES + Short.BYTES + id.length + DigitImage.PIXELS)
            .put(FORMAT)
            .putLong(image.timestamp())
            .putShort((short) id.length)
            .put(id)
            .put(image.pixels())
            .array();
      };
    }

    @Override
    public Deserializer<PendingImage> deserializer() {
      return (topic, bytes) -> {
        if (bytes == null) {
          return null;
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        byte format = in.get();
        if (format != FORMAT) {
          throw new IllegalStateException(
              "pending image written in unknown format " + format + " by a newer version");
        }
        long timestamp = in.getLong();
        byte[] id = new byte[Short.toUnsignedInt(in.getShort())];
        in.get(id);
        byte[] pixels = new byte[DigitImage.PIXELS];
        in.get(pixels);
        return new PendingImage(new String(id, StandardCharsets.UTF_8), pixels, timestamp);
      };
    }
  }
}
