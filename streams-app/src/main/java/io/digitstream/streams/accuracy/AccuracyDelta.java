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
 * @param tally the monitoring counts of the same predictions and pairs
 */
public record AccuracyDelta(
    String modelVersion, long bucketStart, long[] counts, MonitorTally tally) {
  static final int CELLS = ConfusionMatrix.CLASSES * ConfusionMatrix.CLASSES;

  public AccuracyDelta {
    Objects.requireNonNull(modelVersion, "modelVersion");
    if (counts.length != CELLS) {
      throw new IllegalArgumentException("expected " + CELLS + " counts, got " + counts.length);
    }
    Objects.requireNonNull(tally, "tally");
  }

  /** A delta of pairs only. */
  public AccuracyDelta(String modelVersion, long bucketStart, long[] counts) {
    this(modelVersion, bucketStart, counts, new MonitorTally());
  }

  /** An empty delta. */
  static AccuracyDelta empty(String modelVersion, long bucketStart) {
    return new AccuracyDelta(modelVersion, bucketStart, new long[CELLS], new MonitorTally());
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
        && Arrays.equals(counts, other.counts)
        && tally.toMonitor().equals(other.tally.toMonitor());
  }

  @Override
  public int hashCode() {
    return Objects.hash(modelVersion, bucketStart, Arrays.hashCode(counts));
  }

  @Override
  public String toString() {
    return "AccuracyDelta["
        + modelVersion
        + "@"
        + bucketStart
        + ", pairs="
        + total()
        + ", predictions="
        + tally.predictions
        + "]";
  }

  /**
   * A compact binary form for the first stage's store and the repartition topic: only non-zero
   * cells are written, since a delta is mostly the diagonal, then the tally. Format 1 (cells only,
   * before the tally) is still read, so a delta left by an older version counts.
   */
  public static final class BinarySerde implements Serde<AccuracyDelta> {
    private static final byte FORMAT_1 = 1;
    private static final byte FORMAT = 2;

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
        int nonZero = 0;
        for (long c : delta.counts()) {
          nonZero += c != 0 ? 1 : 0;
        }
        writeVarLong(out, nonZero);
        for (int cell = 0; cell < CELLS; cell++) {
          long c = delta.counts()[cell];
          if (c != 0) {
            out.write(cell);
            writeVarLong(out, c);
          }
        }
        delta.tally().write(out);
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
        if (format != FORMAT && format != FORMAT_1) {
          throw new IllegalStateException(
              "accuracy delta written in unknown format " + format + " by a newer version");
        }
        byte[] version = new byte[(int) readVarLong(in)];
        in.get(version);
        long bucket = in.getLong();
        long[] counts = new long[CELLS];
        long cells = format == FORMAT_1 ? Long.MAX_VALUE : readVarLong(in);
        for (long i = 0; i < cells && in.hasRemaining(); i++) {
          int cell = in.get() & 0xFF;
          counts[cell] = readVarLong(in);
        }
        MonitorTally tally = format == FORMAT_1 ? new MonitorTally() : MonitorTally.read(in);
        return new AccuracyDelta(
            new String(version, StandardCharsets.UTF_8), bucket, counts, tally);
      };
    }

    private static void writeLong(ByteArrayOutputStream out, long v) {
      for (int shift = 56; shift >= 0; shift -= 8) {
        out.write((int) (v >>> shift));
      }
    }

    static void writeVarLong(ByteArrayOutputStream out, long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }

    static long readVarLong(ByteBuffer in) {
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
