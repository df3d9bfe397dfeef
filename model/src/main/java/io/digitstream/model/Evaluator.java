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
    int n = limit > 0 ? Math.min(limit, data.size()) : data.size();
    long[][] counts = new long[10][10];
    for (int start = 0; start < n; start += BATCH) {
      int end = Math.min(n, start + BATCH);
      List<byte[]> batch = new ArrayList<>(end - start);
      for (int i = start; i < end; i++) {
        batch.add(data.image(i));
      }
      float[][] probabilities = classifier.probabilities(batch);
      for (int i = start; i < end; i++) {
        counts[data.label(i)][
            DigitClassifier.Classification.of(probabilities[i - start]).digit()]++;
      }
    }
    return ConfusionMatrix.of(counts);
  }
}
