package io.digitstream.trainer;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.digitstream.image.FileFailure;
import io.digitstream.image.MnistPreprocessor;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.DigitClassifier.Classification;
import io.digitstream.model.ModelBundle;
import io.digitstream.record.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
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
  @Option(
      names = {"--model", "-m"},
      defaultValue = "models/default",
      description = "Model bundle (default ${DEFAULT-VALUE}).")
  Path model;

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
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Answer(
      String file,
      Integer digit,
      Double probability,
      List<Ranked> top3,
      String error,
      String kind) {
    static Answer of(Path file, Classification c) {
      int[] rank = c.ranking();
      List<Ranked> top = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        top.add(new Ranked(rank[i], c.probabilities()[rank[i]]));
      }
      return new Answer(file.toString(), c.digit(), (double) c.probability(), top, null, null);
    }

    static Answer of(FileFailure failure) {
      return new Answer(
          failure.file().toString(), null, null, null, failure.reason(), failure.kind().label());
    }
  }

  /** What {@code --json} prints. */
  record Report(String modelVersion, List<Answer> results, int failed) {}

  @Override
  public Integer call() throws Exception {
    DigitClassifier classifier = DigitClassifier.load(ModelBundle.open(model));
    FileFailures failures = new FileFailures(System.err, verbose);
    List<Answer> results = new ArrayList<>();
    List<Path> inputs =
        ImageArguments.expand(files, (dir, e) -> results.add(Answer.of(failures.report(dir, e))));
    int answered = 0;
    for (Path file : inputs) {
      try {
        Classification c = classifier.classify(preprocessing.apply(file));
        results.add(Answer.of(file, c));
        answered++;
        if (!json) {
          int[] rank = c.ranking();
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
