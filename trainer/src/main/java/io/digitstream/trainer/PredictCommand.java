package io.digitstream.trainer;

import io.digitstream.image.ImageFileException;
import io.digitstream.image.MnistPreprocessor;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.DigitClassifier.Classification;
import io.digitstream.model.ModelBundle;
import io.digitstream.record.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code digitstream predict}: the digit in each image file, with its probability and the top 3.
 */
@Command(
    name = "predict",
    description = "Recognise the digit in image files (PNG, JPEG, BMP, GIF).",
    mixinStandardHelpOptions = true)
final class PredictCommand implements Callable<Integer> {
  @Option(
      names = {"--model", "-m"},
      defaultValue = "models/default",
      description = "Model bundle (default ${DEFAULT-VALUE}).")
  Path model;

  @Option(names = "--json", description = "Print one JSON document on stdout.")
  boolean json;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "Image files of one digit each.")
  List<Path> files;

  @Override
  public Integer call() throws Exception {
    DigitClassifier classifier = DigitClassifier.load(ModelBundle.open(model));
    List<Map<String, Object>> results = new ArrayList<>();
    int failed = 0;
    for (Path file : files) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("file", file.toString());
      try {
        Classification c = classifier.classify(MnistPreprocessor.fromFile(file));
        int[] rank = c.ranking();
        List<Map<String, Object>> top = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          top.add(Map.of("digit", rank[i], "probability", (double) c.probabilities()[rank[i]]));
        }
        row.put("digit", c.digit());
        row.put("probability", (double) c.probability());
        row.put("top3", top);
        if (!json) {
          System.out.printf(
              "%s: %d (%.4f)   top 3: %d %.4f, %d %.4f, %d %.4f%n",
              file,
              c.digit(),
              c.probability(),
              rank[0],
              c.probabilities()[rank[0]],
              rank[1],
              c.probabilities()[rank[1]],
              rank[2],
              c.probabilities()[rank[2]]);
        }
      } catch (ImageFileException e) {
        failed++;
        row.put("error", e.getMessage());
        if (!json) {
          System.err.println("error: " + e.getMessage());
        }
      }
      results.add(row);
    }
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("modelVersion", classifier.version());
      doc.put("results", results);
      doc.put("failed", failed);
      System.out.println(Json.MAPPER.writeValueAsString(doc));
    }
    return failed == 0 ? 0 : 1;
  }
}
