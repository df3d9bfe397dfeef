package io.digitstream.streams.monitor;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One image of the page's rings, as {@code GET /api/images} answers it.
 *
 * @param id the image id
 * @param modelVersion the model version that scored it
 * @param pixels the 28×28 pixels (row-major, 0 = background, 255 = ink) as base64, as on the images
 *     topic; null when a label came after the task had forgotten them (see {@link
 *     ImageRingSettings#recentPerTask()})
 * @param predictedDigit the digit the model chose
 * @param probability its calibrated probability, or the network's own if the bundle has no
 *     calibration
 * @param trueDigit the label's digit; null while the label has not come
 * @param imageTimestamp the image record's timestamp, epoch ms: the order of the answer
 * @param oodScore how unlike the training images the input is; null if the bundle has no reference
 * @param outOfDistribution whether the input was flagged as not a digit; null if not known
 */
@JsonPropertyOrder({
  "id",
  "modelVersion",
  "pixels",
  "predictedDigit",
  "probability",
  "trueDigit",
  "imageTimestamp",
  "oodScore",
  "outOfDistribution"
})
public record PageImage(
    String id,
    String modelVersion,
    String pixels,
    int predictedDigit,
    double probability,
    Integer trueDigit,
    long imageTimestamp,
    Double oodScore,
    Boolean outOfDistribution) {}
