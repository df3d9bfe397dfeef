package io.digitstream.model;

import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.image.MnistDataset;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores a labelled data set with a {@link DigitClassifier}, the same code path the streams app
 * uses, so {@code evaluate}'s confusion matrix and the streamed one can be compared cell by cell.
 */
public final class Evaluator {
  static final int BATCH = 256;

  private Evaluator() {}

  /** The confusion matrix of the first {@code limit} images of {@code data} (0 = all). */
  public static ConfusionMatrix confusion(
      DigitClassifier classifier, MnistDataset data, int limit) {
    int[] first = first(data, limit);
    return confusion(probabilities(classifier, data, first), labels(data, first));
  }

  /** The confusion matrix of rows of probabilities against their true digits. */
  public static ConfusionMatrix confusion(float[][] probabilities, int[] labels) {
    long[][] counts = new long[10][10];
    for (int i = 0; i < labels.length; i++) {
      counts[labels[i]][DigitClassifier.Classification.of(probabilities[i]).digit()]++;
    }
    return ConfusionMatrix.of(counts);
  }

  /** The indices of the first {@code limit} images of {@code data} (0 = all). */
  public static int[] first(MnistDataset data, int limit) {
    int n = limit > 0 ? Math.min(limit, data.size()) : data.size();
    int[] indices = new int[n];
    for (int i = 0; i < n; i++) {
      indices[i] = i;
    }
    return indices;
  }

  /**
   * The network's probabilities for the images of {@code data} at {@code indices}, in that order,
   * scored in batches of {@value #BATCH} (a given list of images is always batched the same way).
   */
  public static float[][] probabilities(
      DigitClassifier classifier, MnistDataset data, int[] indices) {
    float[][] rows = new float[indices.length][];
    for (int start = 0; start < indices.length; start += BATCH) {
      int end = Math.min(indices.length, start + BATCH);
      List<byte[]> batch = new ArrayList<>(end - start);
      for (int i = start; i < end; i++) {
        batch.add(data.image(indices[i]));
      }
      float[][] scored = classifier.probabilities(batch);
      System.arraycopy(scored, 0, rows, start, scored.length);
    }
    return rows;
  }

  /** The true digits of the images of {@code data} at {@code indices}. */
  public static int[] labels(MnistDataset data, int[] indices) {
    int[] labels = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      labels[i] = data.label(indices[i]);
    }
    return labels;
  }
}
