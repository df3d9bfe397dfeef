package io.digitstream.trainer;

import io.digitstream.model.Architecture;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code digitstream train}: trains a network on MNIST and writes a model bundle. */
@Command(
    name = "train",
    description =
        "Train a CNN on MNIST and write a model bundle (network.zip, bundle.json, reference.json,"
            + " monitoring.json).",
    mixinStandardHelpOptions = true)
final class TrainCommand implements Callable<Integer> {
  @Option(
      names = "--arch",
      defaultValue = Architecture.DEFAULT_NAME,
      description = "Architecture: lenet-bn (default), compact-bn, lenet, seed.")
  String architecture;

  @Option(
      names = "--epochs",
      defaultValue = "6",
      description = "Maximum epochs (default ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--batch-size",
      defaultValue = "64",
      description = "Mini-batch size (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--learning-rate",
      defaultValue = "0.002",
      description = "Initial Adam learning rate (default ${DEFAULT-VALUE}).")
  double learningRate;

  @Option(
      names = "--lr-decay",
      defaultValue = "0.55",
      description =
          "Factor the learning rate falls by per epoch, applied smoothly (default ${DEFAULT-VALUE}).")
  double learningRateDecay;

  @Option(
      names = "--validation",
      defaultValue = "5000",
      description =
          "Training images held out for validation and early stopping (default ${DEFAULT-VALUE}).")
  int validationSize;

  @Option(
      names = "--patience",
      defaultValue = "3",
      description =
          "Stop after this many epochs without a better validation accuracy (default ${DEFAULT-VALUE}).")
  int patience;

  @Option(
      names = "--max-minutes",
      defaultValue = "14",
      description = "Wall-clock limit for training (default ${DEFAULT-VALUE}).")
  int maxMinutes;

  @Option(
      names = "--no-augment",
      description = "Train on the images as they are, without random distortions.")
  boolean noAugment;

  @Option(
      names = "--limit",
      defaultValue = "0",
      description = "Train on at most this many images (0 = all).")
  int trainLimit;

  @Option(
      names = "--test-limit",
      defaultValue = "0",
      description = "Evaluate on at most this many test images (0 = all).")
  int testLimit;

  @Option(
      names = "--data",
      defaultValue = "data/mnist",
      description = "Directory with the MNIST IDX files (default ${DEFAULT-VALUE}).")
  Path data;

  @Option(
      names = {"--out", "-o"},
      defaultValue = "models/candidate",
      description = "Bundle directory to write (default ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    Architecture arch = Architecture.byName(architecture);
    if (epochs < 1
        || batchSize < 1
        || learningRate <= 0
        || learningRateDecay <= 0
        || learningRateDecay > 1) {
      throw new IllegalArgumentException(
          "--epochs and --batch-size must be positive, --learning-rate > 0, 0 < --lr-decay <= 1");
    }
    String command =
        String.format(
            "./digitstream train --arch %s --epochs %d --batch-size %d --seed %d --learning-rate %s"
                + " --lr-decay %s --validation %d --patience %d --max-minutes %d%s%s --out %s",
            arch.cliName(),
            epochs,
            batchSize,
            seed,
            learningRate,
            learningRateDecay,
            validationSize,
            patience,
            maxMinutes,
            noAugment ? " --no-augment" : "",
            trainLimit > 0 ? " --limit " + trainLimit : "",
            out);
    Training.Options options =
        new Training.Options(
            arch,
            epochs,
            batchSize,
            seed,
            learningRate,
            learningRateDecay,
            validationSize,
            patience,
            maxMinutes,
            !noAugment,
            trainLimit,
            testLimit,
            data,
            out,
            command);
    new Training(options, System.out, System.console() != null).run();
    return 0;
  }
}
