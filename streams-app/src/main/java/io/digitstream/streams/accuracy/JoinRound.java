package io.digitstream.streams.accuracy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the label join remembers about one image id: the round's label, if any, and the first
 * prediction of each model version. A round is open for {@code lateness + grace} of stream time
 * after its first record, then closed (kept only to tell late and duplicate labels apart) for as
 * long again, then forgotten. Mutable, and owned by one task's {@link LabelJoin}.
 */
final class JoinRound {
  static final int NO_LABEL = -1;

  private final long opened;
  private boolean closed;
  private int label = NO_LABEL;
  private long labelTime;
  private boolean labelPaired;
  private final List<Waiting> predictions;

  private JoinRound(long opened, boolean closed, List<Waiting> predictions) {
    this.opened = opened;
    this.closed = closed;
    this.predictions = predictions;
  }

  static JoinRound open(long timestamp) {
    return new JoinRound(timestamp, false, new ArrayList<>(2));
  }

  long opened() {
    return opened;
  }

  boolean closed() {
    return closed;
  }

  /** When this round closes (if open) or is forgotten (if closed), in stream time. */
  long deadline(long openMillis) {
    return opened + (closed ? 2 * openMillis : openMillis);
  }

  void close() {
    closed = true;
  }

  boolean hasLabel() {
    return label != NO_LABEL;
  }

  int label() {
    return label;
  }

  long labelTime() {
    return labelTime;
  }

  boolean labelPaired() {
    return labelPaired;
  }

  void setLabel(int digit, long timestamp) {
    label = digit;
    labelTime = timestamp;
  }

  void markLabelPaired() {
    labelPaired = true;
  }

  List<Waiting> predictions() {
    return predictions;
  }

  Waiting prediction(String modelVersion) {
    for (Waiting w : predictions) {
      if (w.modelVersion.equals(modelVersion)) {
        return w;
      }
    }
    return null;
  }

  Waiting addPrediction(String modelVersion, int digit, long imageTimestamp, int confidenceMicros) {
    Waiting w = new Waiting(modelVersion, digit, imageTimestamp, confidenceMicros);
    predictions.add(w);
    return w;
  }

  boolean hasUnpairedPrediction() {
    for (Waiting w : predictions) {
      if (!w.paired) {
        return true;
      }
    }
    return false;
  }

  /** A model version's first prediction in this round. */
  static final class Waiting {
    final String modelVersion;
    final int digit;
    final long imageTimestamp;
    // Calibrated probability in millionths; UNKNOWN_CONFIDENCE in rounds stored by older versions.
    final int confidenceMicros;
    boolean paired;

    Waiting(String modelVersion, int digit, long imageTimestamp, int confidenceMicros) {
      this.modelVersion = modelVersion;
      this.digit = digit;
      this.imageTimestamp = imageTimestamp;
      this.confidenceMicros = confidenceMicros;
    }
  }

  /** {@link Waiting#confidenceMicros} of a prediction whose confidence was not stored. */
  static final int UNKNOWN_CONFIDENCE = -1;

  /**
   * Binary store format: about 45 bytes for a round with one model version. Format 1 (before the
   * confidence was kept) is still read.
   */
  static final class StoreSerde implements Serde<JoinRound> {
    private static final byte FORMAT_1 = 1;
    private static final byte FORMAT = 2;
    private static final int CLOSED = 1;
    private static final int LABEL_PAIRED = 2;
    private static final int PAIRED = 1;

    @Override
    public Serializer<JoinRound> serializer() {
      return (topic, round) -> {
        if (round == null) {
          return null;
        }
        List<byte[]> versions = new ArrayList<>(round.predictions.size());
        int size = 1 + 1 + 8 + 1 + 8 + 2;
        for (Waiting w : round.predictions) {
          byte[] v = w.modelVersion.getBytes(StandardCharsets.UTF_8);
          versions.add(v);
          size += 2 + v.length + 1 + 8 + 4 + 1;
        }
        ByteBuffer out = ByteBuffer.allocate(size).put(FORMAT);
        out.put((byte) ((round.closed ? CLOSED : 0) | (round.labelPaired ? LABEL_PAIRED : 0)));
        out.putLong(round.opened).put((byte) round.label).putLong(round.labelTime);
        out.putShort((short) round.predictions.size());
        for (int i = 0; i < round.predictions.size(); i++) {
          Waiting w = round.predictions.get(i);
          out.putShort((short) versions.get(i).length).put(versions.get(i));
          out.put((byte) w.digit).putLong(w.imageTimestamp).putInt(w.confidenceMicros);
          out.put((byte) (w.paired ? PAIRED : 0));
        }
        return out.array();
      };
    }

    @Override
    public Deserializer<JoinRound> deserializer() {
      return (topic, bytes) -> {
        if (bytes == null) {
          return null;
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        byte format = in.get();
        if (format != FORMAT && format != FORMAT_1) {
          throw new IllegalStateException(
              "join round written in unknown format " + format + " by a newer version");
        }
        int flags = in.get();
        long opened = in.getLong();
        int label = in.get();
        long labelTime = in.getLong();
        int n = Short.toUnsignedInt(in.getShort());
        List<Waiting> predictions = new ArrayList<>(Math.max(2, n));
        for (int i = 0; i < n; i++) {
          byte[] version = new byte[Short.toUnsignedInt(in.getShort())];
          in.get(version);
          int digit = in.get();
          long imageTimestamp = in.getLong();
          int confidence = format == FORMAT_1 ? UNKNOWN_CONFIDENCE : in.getInt();
          Waiting w =
              new Waiting(
                  new String(version, StandardCharsets.UTF_8), digit, imageTimestamp, confidence);
          w.paired = in.get() == PAIRED;
          predictions.add(w);
        }
        JoinRound round = new JoinRound(opened, (flags & CLOSED) != 0, predictions);
        round.label = label;
        round.labelTime = labelTime;
        round.labelPaired = (flags & LABEL_PAIRED) != 0;
        return round;
      };
    }
  }
}
