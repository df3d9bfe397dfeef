package io.digitstream.streams.scoring;

import io.digitstream.record.DigitImage;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * An image accepted for scoring and not yet scored, as kept in the pending-images store: only what
 * the prediction needs, in a compact binary form because every pending image may be written to the
 * store's changelog. Runs of background pixels are run-length coded: an MNIST digit takes about a
 * third of its 784 bytes, which is what the changelog and the broker's log cleaner handle.
 *
 * @param id the image id, the key of its prediction
 * @param pixels the {@value DigitImage#PIXELS} pixels, owned by this value (not copied)
 * @param timestamp the image record's timestamp, epoch milliseconds
 */
record PendingImage(String id, byte[] pixels, long timestamp) {
  /** Format 1: raw pixels (written by earlier versions, still read). */
  private static final byte RAW = 1;

  /** Format 2: pixels as (zero run, literal count, literals) groups, each count 0–255. */
  private static final byte ZERO_RUNS = 2;

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

  /** The image again, for a dead letter; its source is not kept while pending. */
  DigitImage toImage() {
    return new DigitImage(id, pixels, null);
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

  static byte[] encodeZeroRuns(byte[] pixels) {
    byte[] out = new byte[maxEncodedLength(pixels.length)];
    return Arrays.copyOf(out, encodeZeroRuns(pixels, out, 0));
  }

  // Worst case, isolated zeros between isolated ink pixels (noise): every run pair covers two
  // pixels with a 2-byte header, 3 bytes per 2 pixels, plus a header at either end.
  static int maxEncodedLength(int pixels) {
    return 3 * ((pixels + 1) / 2) + 4;
  }

  /** Writes the coded pixels into {@code out} from {@code o}; returns the end. */
  private static int encodeZeroRuns(byte[] pixels, byte[] out, int o) {
    int i = 0;
    while (i < pixels.length) {
      int zeros = 0;
      while (i < pixels.length && pixels[i] == 0 && zeros < 255) {
        zeros++;
        i++;
      }
      int start = i;
      while (i < pixels.length && pixels[i] != 0 && i - start < 255) {
        i++;
      }
      out[o++] = (byte) zeros;
      out[o++] = (byte) (i - start);
      System.arraycopy(pixels, start, out, o, i - start);
      o += i - start;
    }
    return o;
  }

  static void decodeZeroRuns(ByteBuffer in, byte[] pixels) {
    int p = 0;
    while (p < pixels.length) {
      int zeros = Byte.toUnsignedInt(in.get());
      int literals = Byte.toUnsignedInt(in.get());
      if (p + zeros + literals > pixels.length) {
        throw new IllegalStateException("pending image has more than " + pixels.length + " pixels");
      }
      p += zeros; // the array starts zeroed
      in.get(pixels, p, literals);
      p += literals;
    }
  }

  /**
   * The store's value serde: format byte, timestamp, id length and UTF-8 id, then the pixels
   * (format {@value #ZERO_RUNS}; format {@value #RAW} is still read).
   */
  static final class StoreSerde implements Serde<PendingImage> {
    @Override
    public Serializer<PendingImage> serializer() {
      return (topic, image) -> {
        if (image == null) {
          return null;
        }
        byte[] id = image.id().getBytes(StandardCharsets.UTF_8);
        int header = 1 + Long.BYTES + Short.BYTES + id.length;
        byte[] out = new byte[header + maxEncodedLength(image.pixels().length)];
        ByteBuffer.wrap(out)
            .put(ZERO_RUNS)
            .putLong(image.timestamp())
            .putShort((short) id.length)
            .put(id);
        // Coded straight into the record: one copy per image, on the scoring path.
        return Arrays.copyOf(out, encodeZeroRuns(image.pixels(), out, header));
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
        if (format != RAW && format != ZERO_RUNS) {
          throw new IllegalStateException(
              "pending image written in unknown format " + format + " by a newer version");
        }
        long timestamp = in.getLong();
        byte[] id = new byte[Short.toUnsignedInt(in.getShort())];
        in.get(id);
        byte[] pixels = new byte[DigitImage.PIXELS];
        try {
          if (format == RAW) {
            in.get(pixels);
          } else {
            decodeZeroRuns(in, pixels);
          }
        } catch (BufferUnderflowException e) {
          throw new IllegalStateException(
              "pending image " + new String(id, StandardCharsets.UTF_8) + " is truncated", e);
        }
        return new PendingImage(new String(id, StandardCharsets.UTF_8), pixels, timestamp);
      };
    }
  }
}
