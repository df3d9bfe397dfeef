package io.digitstream.trainer;

import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.image.MnistDataset;
import io.digitstream.image.MnistFetch;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.Evaluator;
import io.digitstream.model.ModelBundle;
import io.digitstream.record.Json;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code digitstream evaluate}: accuracy, per-class figures and the confusion matrix of a model.
 */
@Command(
    name = "evaluate",
    description = "Evaluate a model bundle on the MNIST test set (or another IDX data set).",
    mixinStandardHelpOptions = true)
final class EvaluateCommand implements Callable<Integer> {
  @Option(
      names = {"--model", "-m"},
      defaultValue = "models/default",
      description = "Model bundle (default ${DEFAULT-VALUE}).")
  Path model;

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
    ModelBundle bundle = ModelBundle.open(model);
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
    ConfusionMatrix matrix = Evaluator.confusion(classifier, dataset, limit);
    double seconds = (System.nanoTime() - start) / 1e9;
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
      System.out.print(matrix.toText());
      System.out.println();
      System.out.println("Heatmap: " + heatmap);
    }
    return 0;
  }
}
