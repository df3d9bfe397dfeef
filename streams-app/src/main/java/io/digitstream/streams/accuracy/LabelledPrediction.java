package io.digitstream.streams.accuracy;

/**
 * A prediction together with the true digit of its image: one cell of a confusion matrix.
 *
 * @param id the image id
 * @param modelVersion the version of the model that made the prediction
 * @param truth the label's digit
 * @param predicted the prediction's digit
 * @param imageTimestamp the image's timestamp, which decides the windows the pair counts in
 * @param confidenceMicros the prediction's calibrated probability in millionths, or a negative
 *     number if unknown (a round stored by an older version)
 */
public record LabelledPrediction(
    String id,
    String modelVersion,
    int truth,
    int predicted,
    long imageTimestamp,
    int confidenceMicros) {}
