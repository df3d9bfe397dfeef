package io.digitstream.producer;

/**
 * A snapshot of a run for progress displays; sent a few times a second and once at the end.
 *
 * @param total inputs the source yields (images and bad inputs)
 * @param processed inputs taken from the source so far
 * @param imagesSent images acknowledged by Kafka
 * @param labelsSent labels acknowledged by Kafka
 * @param labelsWaiting labels held back by the label delay
 * @param failed records Kafka refused or never acknowledged
 * @param badInputs inputs skipped as unusable
 * @param internalErrors inputs skipped because digitstream failed on them
 * @param elapsedSeconds since the first image was sent
 * @param imagesPerSecond images handed to Kafka per second since the first
 * @param finished true for the last snapshot of the run
 */
public record Progress(
    int total,
    long processed,
    long imagesSent,
    long labelsSent,
    int labelsWaiting,
    long failed,
    long badInputs,
    long internalErrors,
    double elapsedSeconds,
    double imagesPerSecond,
    boolean finished) {

  /** Fraction of the inputs processed, 0–1. */
  public double fraction() {
    return total == 0 ? 1 : Math.min(1, (double) processed / total);
  }
}
