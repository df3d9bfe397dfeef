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
 */
public record Prediction(
    String id,
    int digit,
    double probability,
    List<Double> probabilities,
    String modelVersion,
    long imageTimestamp,
    long scoredAt) {
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
