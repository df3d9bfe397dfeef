package io.digitstream.model;

import java.util.List;
import java.util.Map;

/**
 * What a model bundle says about its network; stored as {@code bundle.json} beside {@code
 * network.zip}.
 *
 * @param formatVersion bundle layout version, currently 1
 * @param version content hash of configuration and weights, 12 hex digits
 * @param networkSha256 the full SHA-256 of {@code network.zip}
 * @param architecture the architecture's name in the trainer
 * @param preprocessing the input contract the network expects
 * @param parameters number of trainable parameters
 * @param createdAt ISO-8601 instant
 * @param command the command line that produced it
 * @param dataChecksums SHA-256 of each data file it was trained on, by file name
 * @param hyperParameters epochs, batch size, learning rate, seed, threads, ...
 * @param validationAccuracy accuracy of the kept checkpoint on the validation split
 * @param testAccuracy accuracy on the test set, or null if not evaluated
 * @param epochs per-epoch history: epoch, seconds, loss, validation accuracy
 */
public record ModelMetadata(
    int formatVersion,
    String version,
    String networkSha256,
    String architecture,
    String preprocessing,
    long parameters,
    String createdAt,
    String command,
    Map<String, String> dataChecksums,
    Map<String, Object> hyperParameters,
    Double validationAccuracy,
    Double testAccuracy,
    List<EpochRecord> epochs) {

  /** The input contract of every digitstream network. */
  public static final String PREPROCESSING =
      "mnist-28x28: 784 grey levels, 0 = background, 255 = ink, row-major; input = value / 255 as"
          + " NCHW [n, 1, 28, 28]";

  public ModelMetadata {
    dataChecksums = dataChecksums == null ? Map.of() : Map.copyOf(dataChecksums);
    hyperParameters = hyperParameters == null ? Map.of() : Map.copyOf(hyperParameters);
    epochs = epochs == null ? List.of() : List.copyOf(epochs);
  }

  /** One training epoch as it happened. */
  public record EpochRecord(int epoch, double seconds, double loss, double validationAccuracy) {}

  public ModelMetadata withVersion(String version, String networkSha256) {
    return new ModelMetadata(
        formatVersion,
        version,
        networkSha256,
        architecture,
        preprocessing,
        parameters,
        createdAt,
        command,
        dataChecksums,
        hyperParameters,
        validationAccuracy,
        testAccuracy,
        epochs);
  }
}
