package io.digitstream.streams.accuracy;

import io.digitstream.accuracy.ConfusionMatrix;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Pairs of one model version whose images fall into one time bucket, counted by one task since its
 * last flush: what the first accuracy stage sends to the second. Deltas only ever add, so the
 * second stage can sum them in any order.
 *
 * @param modelVersion the model version
 * @param bucketStart start of the time bucket (of {@code digitstream.accuracy.advance.ms}) of the
 *     images, epoch ms
 * @param counts 100 counts, index {@code truth * 10 + predicted}
 */
public record AccuracyDelta(String modelVersion, long bucketStart, long[] counts) {
  static final int CELLS = ConfusionMatrix.CLASSES * ConfusionMatrix.CLASSES;

  public AccuracyDelta {
    Objects.requireNonNull(modelVersion, "modelVersion");
    if (counts.length != CELLS) {
      throw new IllegalArgumentException("expected " + CELLS + " counts, got " + counts.length);
    }
  }

  /** The counts as a matrix. */
  public ConfusionMatrix matrix() {
    long[][] rows = new long[ConfusionMatrix.CLASSES][];
    for (int t = 0; t < ConfusionMatrix.CLASSES; t++) {
      rows[t] =
          Arrays.copyOfRange(
              counts, t * ConfusionMatrix.CLASSES, (t + 1) * ConfusionMatrix.CLASSES);
    }
    return ConfusionMatrix.of(rows);
  }

  /** Number of pairs. */
  public long total() {
    return Arrays.stream(counts).sum();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AccuracyDelta other
        && modelVersion.equals(other.modelVersion)
        && bucketStart == other.bucketStart
        && Arrays.equals(counts, other.counts);
  }

  @Override
  public int hashCode() {
    return Objects.hash(modelVersion, bucketStart, Arrays.hashCode(counts));
  }

  @Override
  public String toString() {
    return "AccuracyDelta[" + modelVersion + "@" + bucketStart + ", pairs=" + total() + "]";
  }

  /**
   * A compact binary form for the first stage's store and the repartition topic: only non-zero
   * cells are written, since a delta is mostly the diagonal.
   */
  public static final class BinarySerde implements Serde<AccuracyDelta> {
    private static final byte FORMAT = 1;

    @Override
    public Serializer<AccuracyDelta> serializer() {
      return (topic, delta) -> {
        if (delta == null) {
          return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        out.write(FORMAT);
        byte[] version = delta.modelVersion().getBytes(StandardCharsets.UTF_8);
        writeVarLong(out, version.length);
        out.write(version, 0, version.length);
        writeLong(out, delta.bucketStart());
        for (int cell = 0; cell < CELLS; cell++) {
          long c = delta.counts()[cell];
          if (c != 0) {
            out.write(cell);
            writeVarLong(out, c);
          }
        }
        return out.toByteArray();
      };
    }

    @Override
    public Deserializer<AccuracyDelta> deserializer() {
      return (topic, bytes) -> {
        if (bytes == null) {
          return null;
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        byte format = in.get();
        if (format != FORMAT) {
          throw new IllegalStateException(
              "accuracy delta written in unknown format " + format + " by a newer version");
        }
        byte[] version = new byte[(int) readVarLong(in)];
        in.get(version);
        long bucket = in.getLong();
        long[] counts = new long[CELLS];
        while (in.hasRemaining()) {
          int cell = in.get() & 0xFF;
          counts[cell] = readVarLong(in);
        }
        return new AccuracyDelta(new String(version, StandardCharsets.UTF_8), bucket, counts);
      };
    }

    private static void writeLong(ByteArrayOutputStream out, long v) {
      for (int shift = 56; shift >= 0; shift -= 8) {
        out.write((int) (v >>> shift));
      }
    }

    private static void writeVarLong(ByteArrayOutputStream out, long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }

    private static long readVarLong(ByteBuffer in) {
      long v = 0;
      for (int shift = 0; ; shift += 7) {
        byte b = in.get();
        v |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
      }
    }
  }
}
