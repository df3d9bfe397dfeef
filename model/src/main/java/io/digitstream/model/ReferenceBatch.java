package io.digitstream.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.digitstream.record.DigitImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Images and the probabilities the network that wrote a bundle gave them; stored as {@code
 * reference.json} beside {@code network.zip}. Before an instance serves a bundle it scores these
 * images as one batch and requires the same answers: a network that loads and answers a blank image
 * but fails on real batches (NaN weights, a broken native build, a wrong layout) is refused there,
 * not in service.
 *
 * @param formatVersion layout version, currently 1
 * @param tolerance the largest difference allowed per probability (float rounding and another
 *     native build's summation order differ by about 1e-6)
 * @param images the images with their recorded probabilities
 */
public record ReferenceBatch(int formatVersion, double tolerance, List<Entry> images) {
  /** Images a reference batch holds when {@code train} writes it: one real inference batch. */
  public static final int DEFAULT_SIZE = 64;

  /** Default {@link #tolerance}. */
  public static final double DEFAULT_TOLERANCE = 1e-3;

  public ReferenceBatch {
    if (formatVersion != 1) {
      throw new ModelBundleException("reference batch format " + formatVersion + " is unknown");
    }
    if (!(tolerance > 0 && tolerance < 1)) {
      throw new ModelBundleException("reference tolerance must be in (0, 1), got " + tolerance);
    }
    images = List.copyOf(Objects.requireNonNull(images, "images"));
    if (images.isEmpty()) {
      throw new ModelBundleException("a reference batch needs at least one image");
    }
  }

  /**
   * One reference image.
   *
   * @param pixels {@value DigitImage#PIXELS} grey levels (base64 in JSON)
   * @param probabilities the ten class probabilities recorded for it
   */
  public record Entry(byte[] pixels, float[] probabilities) {
    public Entry {
      if (pixels == null || pixels.length != DigitImage.PIXELS) {
        throw new ModelBundleException(
            "a reference image must hold " + DigitImage.PIXELS + " pixels");
      }
      if (probabilities == null || probabilities.length != 10) {
        throw new ModelBundleException("a reference image must have ten probabilities");
      }
    }
  }

  /** Scores {@code images} with {@code classifier} and keeps its answers as the reference. */
  public static ReferenceBatch record(DigitClassifier classifier, List<byte[]> images) {
    float[][] probabilities = classifier.probabilities(images);
    Optional<String> problem = DigitClassifier.invalidOutput(probabilities, images.size());
    if (problem.isPresent()) {
      throw new ModelBundleException(
          "the network cannot be given a reference batch: " + problem.get());
    }
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      entries.add(new Entry(images.get(i).clone(), probabilities[i]));
    }
    return new ReferenceBatch(1, DEFAULT_TOLERANCE, entries);
  }

  /** The images in batch order. */
  @JsonIgnore
  public List<byte[]> pixels() {
    return images.stream().map(Entry::pixels).toList();
  }

  /**
   * Why {@code classifier} does not reproduce this batch, or empty if it does: the output must be
   * finite probabilities, every top digit must match (unless the recorded answer was a tie within
   * the tolerance) and every probability must be within {@link #tolerance}.
   */
  public Optional<String> mismatch(DigitClassifier classifier) {
    float[][] out = classifier.probabilities(pixels());
    Optional<String> invalid = DigitClassifier.invalidOutput(out, images.size());
    if (invalid.isPresent()) {
      return invalid;
    }
    for (int i = 0; i < images.size(); i++) {
      float[] expected = images.get(i).probabilities();
      DigitClassifier.Classification want = DigitClassifier.Classification.of(expected);
      DigitClassifier.Classification got = DigitClassifier.Classification.of(out[i]);
      boolean tie = want.probability() - expected[got.digit()] <= 2 * tolerance;
      if (got.digit() != want.digit() && !tie) {
        return Optional.of(
            String.format(
                "reference image %d: the model says %d (%.4f), the bundle recorded %d (%.4f)",
                i, got.digit(), got.probability(), want.digit(), want.probability()));
      }
      for (int d = 0; d < 10; d++) {
        double diff = Math.abs(out[i][d] - expected[d]);
        if (diff > tolerance) {
          return Optional.of(
              String.format(
                  "reference image %d: probability of %d is %.6f, the bundle recorded %.6f"
                      + " (tolerance %g)",
                  i, d, out[i][d], expected[d], tolerance));
        }
      }
    }
    return Optional.empty();
  }
}
