package io.digitstream.accuracy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;

/**
 * A 10×10 confusion matrix of counts, rows = true digit, columns = predicted digit. Immutable:
 * {@link #plus} returns a new matrix. Its JSON carries the counts and the derived figures.
 */
@JsonPropertyOrder({"count", "correct", "accuracy", "matrix", "precision", "recall", "f1"})
public final class ConfusionMatrix {
  public static final int CLASSES = 10;
  private static final ConfusionMatrix EMPTY = new ConfusionMatrix(new long[CLASSES][CLASSES]);

  private final long[][] counts;

  private ConfusionMatrix(long[][] counts) {
    this.counts = counts;
  }

  public static ConfusionMatrix empty() {
    return EMPTY;
  }

  /** From a copy of {@code counts}; rows = truth, columns = prediction. */
  @JsonCreator
  public static ConfusionMatrix of(@JsonProperty("matrix") long[][] counts) {
    if (counts == null || counts.length != CLASSES) {
      throw new IllegalArgumentException("a confusion matrix has 10 rows");
    }
    long[][] copy = new long[CLASSES][];
    for (int i = 0; i < CLASSES; i++) {
      if (counts[i] == null || counts[i].length != CLASSES) {
        throw new IllegalArgumentException(
            "row " + i + " of the confusion matrix needs 10 columns");
      }
      for (long c : counts[i]) {
        if (c < 0) {
          throw new IllegalArgumentException("confusion matrix counts cannot be negative");
        }
      }
      copy[i] = counts[i].clone();
    }
    return new ConfusionMatrix(copy);
  }

  /** This matrix with one more (truth, predicted) pair. */
  public ConfusionMatrix plus(int truth, int predicted) {
    long[][] copy = matrix();
    copy[truth][predicted]++;
    return new ConfusionMatrix(copy);
  }

  /** Cell-wise sum, e.g. to merge the partial matrices held by several instances. */
  public ConfusionMatrix plus(ConfusionMatrix other) {
    long[][] copy = matrix();
    for (int i = 0; i < CLASSES; i++) {
      for (int j = 0; j < CLASSES; j++) {
        copy[i][j] += other.counts[i][j];
      }
    }
    return new ConfusionMatrix(copy);
  }

  @JsonProperty("matrix")
  public long[][] matrix() {
    long[][] copy = new long[CLASSES][];
    for (int i = 0; i < CLASSES; i++) {
      copy[i] = counts[i].clone();
    }
    return copy;
  }

  public long get(int truth, int predicted) {
    return counts[truth][predicted];
  }

  @JsonProperty("count")
  public long count() {
    long n = 0;
    for (long[] row : counts) {
      for (long c : row) {
        n += c;
      }
    }
    return n;
  }

  @JsonProperty("correct")
  public long correct() {
    long n = 0;
    for (int i = 0; i < CLASSES; i++) {
      n += counts[i][i];
    }
    return n;
  }

  /** Correct / count, or 0 when empty. */
  @JsonProperty("accuracy")
  public double accuracy() {
    long n = count();
    return n == 0 ? 0 : (double) correct() / n;
  }

  /** Per digit: of the images predicted as d, the share that were d (0 when none predicted). */
  @JsonProperty("precision")
  public double[] precision() {
    double[] p = new double[CLASSES];
    for (int d = 0; d < CLASSES; d++) {
      long predicted = 0;
      for (int t = 0; t < CLASSES; t++) {
        predicted += counts[t][d];
      }
      p[d] = predicted == 0 ? 0 : (double) counts[d][d] / predicted;
    }
    return p;
  }

  /** Per digit: of the images that were d, the share predicted as d (0 when none seen). */
  @JsonProperty("recall")
  public double[] recall() {
    double[] r = new double[CLASSES];
    for (int d = 0; d < CLASSES; d++) {
      long actual = Arrays.stream(counts[d]).sum();
      r[d] = actual == 0 ? 0 : (double) counts[d][d] / actual;
    }
    return r;
  }

  @JsonProperty("f1")
  public double[] f1() {
    double[] p = precision();
    double[] r = recall();
    double[] f = new double[CLASSES];
    for (int d = 0; d < CLASSES; d++) {
      f[d] = p[d] + r[d] == 0 ? 0 : 2 * p[d] * r[d] / (p[d] + r[d]);
    }
    return f;
  }

  /** The matrix as aligned text, truth down the side, prediction across. */
  public String toText() {
    StringBuilder sb = new StringBuilder("true\\pred");
    int width = Math.max(6, Long.toString(count()).length() + 1);
    for (int d = 0; d < CLASSES; d++) {
      sb.append(String.format("%" + width + "d", d));
    }
    sb.append('\n');
    for (int t = 0; t < CLASSES; t++) {
      sb.append(String.format("%9d", t));
      for (int d = 0; d < CLASSES; d++) {
        sb.append(String.format("%" + width + "d", counts[t][d]));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConfusionMatrix other && Arrays.deepEquals(counts, other.counts);
  }

  @Override
  public int hashCode() {
    return Arrays.deepHashCode(counts);
  }

  @Override
  public String toString() {
    return "ConfusionMatrix[count=" + count() + ", accuracy=" + accuracy() + "]";
  }
}
