package io.digitstream.record;

import java.util.List;

/**
 * What the network says about one image.
 *
 * @param id the image id, also the Kafka key
 * @param digit the most probable digit
 * @param probability its probability
 * @param probabilities all ten class probabilities, index = digit
 * @param modelVersion the version of the model bundle that scored the image
 * @param imageTimestamp the image record's Kafka timestamp, epoch milliseconds
 * @param scoredAt when the prediction was made, epoch milliseconds
 * @param calibratedProbability {@code probability} after the bundle's temperature scaling: the
 *     chance that {@code digit} is right; null if the bundle has no calibration
 * @param oodScore how unlike the training images the input is (0 = typical); null if the bundle has
 *     no reference
 * @param outOfDistribution whether {@code oodScore} is past the threshold: probably not a digit at
 *     all; null if the bundle has no reference
 */
public record Prediction(
    String id,
    int digit,
    double probability,
    List<Double> probabilities,
    String modelVersion,
    long imageTimestamp,
    long scoredAt,
    Double calibratedProbability,
    Double oodScore,
    Boolean outOfDistribution) {
  public Prediction {
    DigitImage.validateId(id);
    if (digit < 0 || digit > 9) {
      throw new InvalidRecordException("digit must be 0-9, got " + digit);
    }
    if (probabilities == null || probabilities.size() != 10) {
      throw new InvalidRecordException("probabilities must hold 10 values");
    }
    probabilities = List.copyOf(probabilities);
    if (modelVersion == null || modelVersion.isBlank()) {
      throw new InvalidRecordException("modelVersion is missing");
    }
    if (calibratedProbability != null
        && !(calibratedProbability >= 0 && calibratedProbability <= 1)) {
      throw new InvalidRecordException(
          "calibratedProbability must be in 0-1, got " + calibratedProbability);
    }
  }

  /** A prediction without calibration or out-of-distribution figures. */
  public Prediction(
      String id,
      int digit,
      double probability,
      List<Double> probabilities,
      String modelVersion,
      long imageTimestamp,
      long scoredAt) {
    this(
        id,
        digit,
        probability,
        probabilities,
        modelVersion,
        imageTimestamp,
        scoredAt,
        null,
        null,
        null);
  }

  /** This prediction with its calibrated probability and out-of-distribution score. */
  public Prediction withMonitoring(double calibrated, double ood, boolean outside) {
    return new Prediction(
        id,
        digit,
        probability,
        probabilities,
        modelVersion,
        imageTimestamp,
        scoredAt,
        calibrated,
        ood,
        outside);
  }

  /** The calibrated probability if there is one, else the network's own. */
  public double confidence() {
    return calibratedProbability != null ? calibratedProbability : probability;
  }

  /** Builds a prediction from the network's output row, taking the arg-max as the digit. */
  public static Prediction fromProbabilities(
      String id, float[] output, String modelVersion, long imageTimestamp, long scoredAt) {
    if (output.length != 10) {
      throw new IllegalArgumentException("expected 10 class probabilities, got " + output.length);
    }
    int best = 0;
    Double[] boxed = new Double[10];
    for (int d = 0; d < 10; d++) {
      boxed[d] = (double) output[d];
      if (output[d] > output[best]) {
        best = d;
      }
    }
    return new Prediction(
        id, best, output[best], List.of(boxed), modelVersion, imageTimestamp, scoredAt);
  }
}
