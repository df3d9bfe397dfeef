package io.digitstream.bench;

/**
 * Something that turns a batch of images into class probabilities: {@code DigitClassifier.output}
 * or a {@link io.digitstream.model.FoldedNetwork}. One instance per thread.
 */
@FunctionalInterface
public interface Scorer {
  /** Probabilities, one row per image, for {@code n} images of NCHW floats in 0–1. */
  float[][] score(float[] normalised, int n);
}
