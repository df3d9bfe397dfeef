package io.digitstream.trainer;

import io.digitstream.image.MnistDataset;
import io.digitstream.image.Pixels;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mini-batches over a subset of an IDX data set, as NCHW [b, 1, 28, 28] in 0–1 with one-hot labels.
 * Shuffles each epoch and optionally distorts each image; both driven by one seeded random source
 * so the same seed gives the same batches.
 */
final class MnistBatches implements DataSetIterator {
  private final float[] pixels;
  private final int[] labels;
  private final int batchSize;
  private final Augmenter augmenter;
  private final Random random;
  private final int[] order;
  private int cursor;
  private DataSetPreProcessor preProcessor;

  /**
   * @param indices which examples of {@code data} to serve
   * @param augmenter null for none (validation and test)
   * @param seed shuffle and distortion seed; negative for a fixed order
   */
  MnistBatches(MnistDataset data, int[] indices, int batchSize, Augmenter augmenter, long seed) {
    this.batchSize = batchSize;
    this.augmenter = augmenter;
    this.random = seed >= 0 ? new Random(seed) : null;
    this.pixels = new float[indices.length * 784];
    this.labels = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      Pixels.normalise(data.image(indices[i]), pixels, i * 784);
      labels[i] = data.label(indices[i]);
    }
    this.order = new int[indices.length];
    reset();
  }

  int size() {
    return labels.length;
  }

  @Override
  public DataSet next(int num) {
    int n = Math.min(num, order.length - cursor);
    float[] features = new float[n * 784];
    float[] oneHot = new float[n * 10];
    for (int i = 0; i < n; i++) {
      int ex = order[cursor + i];
      if (augmenter != null) {
        augmenter.distort(pixels, ex * 784, features, i * 784, random);
      } else {
        System.arraycopy(pixels, ex * 784, features, i * 784, 784);
      }
      oneHot[i * 10 + labels[ex]] = 1f;
    }
    cursor += n;
    DataSet ds =
        new DataSet(
            Nd4j.create(features, new long[] {n, 1, 28, 28}, 'c'),
            Nd4j.create(oneHot, new long[] {n, 10}, 'c'));
    if (preProcessor != null) {
      preProcessor.preProcess(ds);
    }
    return ds;
  }

  @Override
  public DataSet next() {
    return next(batchSize);
  }

  @Override
  public boolean hasNext() {
    return cursor < order.length;
  }

  @Override
  public void reset() {
    cursor = 0;
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    if (random != null) {
      for (int i = order.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
  }

  @Override
  public int inputColumns() {
    return 784;
  }

  @Override
  public int totalOutcomes() {
    return 10;
  }

  @Override
  public boolean resetSupported() {
    return true;
  }

  @Override
  public boolean asyncSupported() {
    // Prefetching on another thread overlaps distortion with training; order stays deterministic.
    return true;
  }

  @Override
  public int batch() {
    return batchSize;
  }

  @Override
  public void setPreProcessor(DataSetPreProcessor preProcessor) {
    this.preProcessor = preProcessor;
  }

  @Override
  public DataSetPreProcessor getPreProcessor() {
    return preProcessor;
  }

  @Override
  public List<String> getLabels() {
    return List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
  }
}
