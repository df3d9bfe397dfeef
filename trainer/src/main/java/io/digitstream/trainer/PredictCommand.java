package io.digitstream.trainer;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.digitstream.image.FileFailure;
import io.digitstream.image.InputStats;
import io.digitstream.image.MnistPreprocessor;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.DigitClassifier.Classification;
import io.digitstream.model.ModelBundle;
import io.digitstream.model.MonitoringReference;
import io.digitstream.record.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code digitstream predict}: the digit in each image file, with its probability and the top 3. A
 * file that cannot be answered gets one line on stderr and the others are still answered.
 */
@Command(
    name = "predict",
    description = "Recognise the digit in image files (PNG, JPEG, BMP, GIF).",
    mixinStandardHelpOptions = true,
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every file answered",
      "1:at least one file not answered (each named on stderr)",
      "2:bad usage or an unusable model"
    })
final class PredictCommand implements Callable<Integer> {
  @Mixin ModelOption model;

  @Option(
      names = "--json",
      description = "Print one JSON document on stdout: each file's digit, or its error.")
  boolean json;

  @Option(names = "--verbose", description = "Print the stack trace of each failure.")
  boolean verbose;

  @Parameters(
      arity = "1..*",
      paramLabel = "FILE",
      description = "Image files of one digit each, or directories to search for them.")
  List<Path> files;

  private final Function<Path, byte[]> preprocessing;

  PredictCommand() {
    this(MnistPreprocessor::fromFile);
  }

  /** With another way from a file to its 784 pixels, so tests can make one fail. */
  PredictCommand(Function<Path, byte[]> preprocessing) {
    this.preprocessing = preprocessing;
  }

  /** One of the top 3. */
  record Ranked(int digit, double probability) {}

  /**
   * A file's answer, or why it has none ({@code kind} is {@code bad-input} or {@code internal}).
   * {@code calibratedProbability}, {@code oodScore} and {@code outOfDistribution} are there when
   * the bundle has a {@code monitoring.json}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Answer(
      String file,
      Integer digit,
      Double probability,
      Double calibratedProbability,
      Double oodScore,
      Boolean outOfDistribution,
      List<Ranked> top3,
      String error,
      String kind) {
    static Answer of(Path file, byte[] pixels, Classification c, MonitoringReference monitoring) {
      int[] rank = c.ranking();
      List<Ranked> top = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        top.add(new Ranked(rank[i], c.probabilities()[rank[i]]));
      }
      Double calibrated = null;
      Double score = null;
      Boolean outside = null;
      if (monitoring != null) {
        float[] p = monitoring.calibrate(c.probabilities());
        calibrated = (double) p[c.digit()];
        score = monitoring.oodScore(InputStats.of(pixels), p);
        outside = monitoring.outOfDistribution(score);
      }
      return new Answer(
          file.toString(),
          c.digit(),
          (double) c.probability(),
          calibrated,
          score,
          outside,
          top,
          null,
          null);
    }

    static Answer of(FileFailure failure) {
      return new Answer(
          failure.file().toString(),
          null,
          null,
          null,
          null,
          null,
          null,
          failure.reason(),
          failure.kind().label());
    }

    /** The answer as one line of text. */
    String text() {
      StringBuilder line = new StringBuilder();
      line.append(String.format("%s: %d (%.4f", file, digit, probability));
      if (calibratedProbability != null) {
        line.append(String.format(", calibrated %.4f", calibratedProbability));
      }
      line.append(")   top 3:");
      for (int i = 0; i < top3.size(); i++) {
        Ranked r = top3.get(i);
        line.append(String.format("%s %d %.4f", i == 0 ? "" : ",", r.digit(), r.probability()));
      }
      if (Boolean.TRUE.equals(outOfDistribution)) {
        line.append(
            String.format(
                "   out of distribution (score %.2f): not like any digit the model was trained on",
                oodScore));
      }
      return line.toString();
    }
  }

  /** What {@code --json} prints. */
  record Report(String modelVersion, List<Answer> results, int failed) {}

  @Override
  public Integer call() throws Exception {
    DigitClassifier classifier = DigitClassifier.load(ModelBundle.open(model.directory));
    FileFailures failures = new FileFailures(System.err, verbose);
    List<Answer> results = new ArrayList<>();
    List<Path> inputs =
        ImageArguments.expand(files, (dir, e) -> results.add(Answer.of(failures.report(dir, e))));
    int answered = 0;
    for (Path file : inputs) {
      try {
        byte[] pixels = preprocessing.apply(file);
        Answer answer =
            Answer.of(
                file, pixels, classifier.classify(pixels), classifier.monitoring().orElse(null));
        results.add(answer);
        answered++;
        if (!json) {
          System.out.println(answer.text());
        }
      } catch (RuntimeException | OutOfMemoryError e) {
        // One file never stops the others: bad input and our own bugs alike are reported per file.
        results.add(Answer.of(failures.report(file, e)));
      }
    }
    if (json) {
      System.out.println(
          Json.MAPPER.writeValueAsString(
              new Report(classifier.version(), results, failures.count())));
    }
    failures.summarise(answered);
    return failures.exitCode();
  }
}
