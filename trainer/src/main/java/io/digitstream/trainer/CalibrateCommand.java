package io.digitstream.trainer;

import io.digitstream.image.MnistDataset;
import io.digitstream.image.MnistFetch;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.ModelBundle;
import io.digitstream.model.ModelBundleException;
import io.digitstream.model.ModelMetadata;
import io.digitstream.model.MonitoringFit;
import io.digitstream.model.MonitoringReference;
import io.digitstream.model.Sha256;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code digitstream calibrate}: fits a bundle's {@code monitoring.json} (temperature, training
 * distributions, out-of-distribution ranges) on the validation split it was trained with, rebuilt
 * from its hyper-parameters. The network and {@code bundle.json} are not touched, so the version
 * stays the same.
 */
@Command(
    name = "calibrate",
    description =
        "Fit the temperature and the monitoring reference of a model bundle on its validation"
            + " split (writes monitoring.json).",
    mixinStandardHelpOptions = true)
final class CalibrateCommand implements Callable<Integer> {
  @Mixin ModelOption model;

  @Option(
      names = "--data",
      defaultValue = "data/mnist",
      description =
          "Directory with the MNIST IDX files the bundle was trained on (default ${DEFAULT-VALUE}).")
  Path data;

  @Override
  public Integer call() throws IOException {
    ModelBundle bundle = ModelBundle.open(model.directory);
    ModelMetadata metadata = bundle.metadata();
    long seed = whole(metadata, "seed");
    int validationSize = (int) whole(metadata, "validationSize");
    int trainLimit = (int) whole(metadata, "trainLimit");
    MnistFetch.ensure(data, System.err);
    requireTrainingData(metadata, data);
    MnistDataset train = MnistDataset.load(data, MnistDataset.Split.TRAIN);
    Training.Split split = Training.Split.of(train.size(), seed, validationSize, trainLimit);
    // The network alone: a monitoring.json being replaced need not be readable.
    DigitClassifier classifier = new DigitClassifier(bundle.loadNetwork(), bundle.version());
    MonitoringReference monitoring =
        MonitoringFit.fit(classifier, train, split.train(), split.validation());
    ModelBundle.writeMonitoring(bundle.directory(), monitoring);
    System.out.printf(
        "Model %s: %,d training and %,d validation images (seed %d)%n",
        bundle.version(), split.train().length, split.validation().length, seed);
    printFit(System.out, monitoring);
    System.out.println(
        "Wrote "
            + bundle.directory().resolve(ModelBundle.MONITORING_FILE)
            + " (version unchanged)");
    if (bundle.signature().isPresent()) {
      System.err.println(
          "warning: "
              + ModelBundle.SIGNATURE_FILE
              + " no longer covers the bundle's files; sign it again with"
              + " './digitstream sign-model'");
    }
    return 0;
  }

  /** The figures of a fitted reference, as {@code train} and {@code calibrate} print them. */
  static void printFit(PrintStream out, MonitoringReference m) {
    out.printf(
        "Calibration: temperature %.4f, fitted on %,d validation images (accuracy %.4f)%n",
        m.temperature(), m.validationImages(), m.validationAccuracy());
    out.printf(
        "  expected calibration error on validation: %.4f before, %.4f after%n",
        m.validationEceBefore(), m.validationEceAfter());
    out.printf(
        "  out of distribution: %.2f %% of validation flagged (score >= %.4f)%n",
        100 * m.ood().validationFlagged(), m.ood().threshold());
  }

  private static long whole(ModelMetadata metadata, String key) {
    Object value = metadata.hyperParameters().get(key);
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new ModelBundleException(
          ModelBundle.METADATA_FILE
              + "'s hyperParameters have no whole number '"
              + key
              + "' (got "
              + value
              + "), so the validation split it was trained with cannot be rebuilt");
    }
    return n.longValue();
  }

  /**
   * The training files must be the ones the bundle records: other images under the same seed would
   * give another validation split, and the network may have learned from it.
   */
  private static void requireTrainingData(ModelMetadata metadata, Path dir) throws IOException {
    Map<String, String> recorded = metadata.dataChecksums();
    for (String kind : List.of("images-idx3-ubyte", "labels-idx1-ubyte")) {
      Path file = MnistDataset.find(dir, MnistDataset.Split.TRAIN.fileStem(kind));
      String expected = recorded.get(file.getFileName().toString());
      String actual = Sha256.of(file);
      if (!actual.equals(expected)) {
        throw new ModelBundleException(
            file
                + " is not the file the bundle was trained on (SHA-256 "
                + actual
                + ", bundle.json records "
                + (expected == null ? "no file of that name" : expected)
                + "): its validation split cannot be rebuilt");
      }
    }
  }
}
