package io.digitstream.trainer;

import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.image.MnistDataset;
import io.digitstream.image.MnistFetch;
import io.digitstream.model.Calibration;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.Evaluator;
import io.digitstream.model.ModelBundle;
import io.digitstream.model.MonitoringFit;
import io.digitstream.model.MonitoringReference;
import io.digitstream.record.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code digitstream evaluate}: accuracy, per-class figures and the confusion matrix of a model.
 */
@Command(
    name = "evaluate",
    description = "Evaluate a model bundle on the MNIST test set (or another IDX data set).",
    mixinStandardHelpOptions = true)
final class EvaluateCommand implements Callable<Integer> {
  @Mixin ModelOption model;

  @Option(
      names = "--data",
      defaultValue = "data/mnist",
      description = "Directory with t10k-images/t10k-labels IDX files (default ${DEFAULT-VALUE}).")
  Path data;

  @Option(
      names = "--split",
      defaultValue = "test",
      description = "test or train (default ${DEFAULT-VALUE}).")
  String split;

  @Option(
      names = "--limit",
      defaultValue = "0",
      description = "Evaluate the first N images only (0 = all).")
  int limit;

  @Option(names = "--json", description = "Print one JSON document on stdout instead of text.")
  boolean json;

  @Option(
      names = "--png",
      description = "Where to write the heatmap (default reports/confusion-<version>.png).")
  Path png;

  @Override
  public Integer call() throws Exception {
    ModelBundle bundle = ModelBundle.open(model.directory);
    DigitClassifier classifier = DigitClassifier.load(bundle);
    MnistDataset.Split which =
        switch (split) {
          case "test" -> MnistDataset.Split.TEST;
          case "train" -> MnistDataset.Split.TRAIN;
          default ->
              throw new IllegalArgumentException(
                  "--split must be test or train, got '" + split + "'");
        };
    MnistFetch.ensure(data, System.err);
    MnistDataset dataset = MnistDataset.load(data, which);
    long start = System.nanoTime();
    int[] scored = Evaluator.first(dataset, limit);
    float[][] probabilities = Evaluator.probabilities(classifier, dataset, scored);
    int[] labels = Evaluator.labels(dataset, scored);
    ConfusionMatrix matrix = Evaluator.confusion(probabilities, labels);
    double seconds = (System.nanoTime() - start) / 1e9;
    Optional<CalibrationFigures> calibration =
        classifier
            .monitoring()
            .map(m -> CalibrationFigures.of(m, dataset, scored, probabilities, labels));
    Path heatmap = png != null ? png : Path.of("reports", "confusion-" + bundle.version() + ".png");
    Pictures.write(
        Pictures.heatmap(
            matrix,
            "Confusion matrix, model "
                + bundle.version()
                + " ("
                + bundle.metadata().architecture()
                + ")"),
        heatmap);
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("model", bundle.directory().toString());
      doc.put("modelVersion", bundle.version());
      doc.put("data", dataset.name());
      doc.put("count", matrix.count());
      doc.put("accuracy", matrix.accuracy());
      doc.put("confusionMatrix", matrix);
      calibration.ifPresent(c -> doc.put("calibration", c));
      doc.put("heatmap", heatmap.toString());
      doc.put("seconds", seconds);
      System.out.println(Json.MAPPER.writeValueAsString(doc));
    } else {
      System.out.printf(
          "Model %s (%s), %s set: accuracy %.4f (%,d of %,d) in %.1f s%n%n",
          bundle.version(),
          bundle.metadata().architecture(),
          dataset.name(),
          matrix.accuracy(),
          matrix.correct(),
          matrix.count(),
          seconds);
      System.out.println("digit  precision  recall     F1");
      double[] p = matrix.precision();
      double[] r = matrix.recall();
      double[] f = matrix.f1();
      for (int d = 0; d < 10; d++) {
        System.out.printf("%5d  %9.4f  %6.4f  %6.4f%n", d, p[d], r[d], f[d]);
      }
      System.out.println();
      if (calibration.isPresent()) {
        CalibrationFigures c = calibration.get();
        System.out.printf(
            "Calibration (temperature %.4f): expected calibration error %.4f before, %.4f after;"
                + " out of distribution: %.2f %% of the images%n",
            c.temperature(), c.eceBefore(), c.eceAfter(), 100 * c.outOfDistribution());
        System.out.println("calibrated top probability   images  confidence  accuracy");
        for (Calibration.Bin b : c.reliability()) {
          if (b.count() > 0) {
            System.out.printf(
                "  (%.3f, %.3f]  %14d  %10.4f  %8.4f%n",
                b.lower(), b.upper(), b.count(), b.confidence(), b.accuracy());
          }
        }
        System.out.println();
      } else {
        System.out.printf(
            "No %s in the bundle: run './digitstream calibrate --model %s' for calibration"
                + " figures%n%n",
            ModelBundle.MONITORING_FILE, model.directory);
      }
      System.out.print(matrix.toText());
      System.out.println();
      System.out.println("Heatmap: " + heatmap);
    }
    return 0;
  }

  /**
   * The bundle's calibration measured on the evaluated images: expected calibration error of the
   * network's and of the calibrated probabilities, and the fraction flagged out of distribution.
   */
  record CalibrationFigures(
      double temperature,
      double eceBefore,
      double eceAfter,
      double outOfDistribution,
      List<Calibration.Bin> reliability) {
    static CalibrationFigures of(
        MonitoringReference m,
        MnistDataset data,
        int[] indices,
        float[][] probabilities,
        int[] labels) {
      float[][] calibrated = Calibration.scaled(probabilities, m.temperature());
      List<byte[]> images = new ArrayList<>(indices.length);
      for (int i : indices) {
        images.add(data.image(i));
      }
      return new CalibrationFigures(
          m.temperature(),
          Calibration.ece(probabilities, labels),
          Calibration.ece(calibrated, labels),
          MonitoringFit.flaggedFraction(m, images, calibrated),
          Calibration.reliability(calibrated, labels));
    }
  }
}
