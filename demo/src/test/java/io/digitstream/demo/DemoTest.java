package io.digitstream.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.image.MnistDataset;
import io.digitstream.image.Shift;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.ModelBundle;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Runs the demo's code path end to end on the embedded broker with a small image count. */
class DemoTest {
  static final Path DATA = Path.of("../data/mnist");
  static final Path MODEL = Path.of("../models/default");
  static final int IMAGES = 400;

  @Test
  void streamsImagesAndReportsTheAccuracyEvaluateWouldAndLeavesNothingRunning() throws Exception {
    Set<String> threadsBefore = nonDaemonThreads();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    Demo demo =
        new Demo(
            new Demo.Options(
                DATA,
                MODEL,
                IMAGES,
                0,
                Duration.ofMillis(300),
                0,
                0,
                2,
                1,
                false,
                Duration.ofSeconds(1),
                null),
            new PrintStream(printed, true, StandardCharsets.UTF_8));

    Demo.Result result = demo.run();

    String output = printed.toString(StandardCharsets.UTF_8);
    assertThat(result.complete()).as(output).isTrue();
    assertThat(result.imagesSent()).isEqualTo(IMAGES);
    assertThat(result.labelsSent()).isEqualTo(IMAGES);
    assertThat(result.imagesScored()).isEqualTo(IMAGES);
    assertThat(result.deadLetters()).isZero();
    assertThat(result.cumulative()).isEqualTo(directly(IMAGES));
    assertThat(result.evaluated()).isEqualTo(directly(IMAGES));
    assertThat(result.matchesEvaluate()).isTrue();
    assertThat(output)
        .contains(
            "Live accuracy page: http://127.0.0.1:",
            "Summary",
            "cumulative accuracy of model " + result.modelVersion(),
            "./digitstream evaluate --limit 400 on the same 400 images",
            "identical, cell by cell",
            "alerts on digits.alerts: none fired");
    assertThat(result.alertWatchFailure()).isNull();
    assertThat(nonDaemonThreads()).as("threads left running").isSubsetOf(threadsBefore);
  }

  @Test
  void withAShiftTheStreamedMatrixEqualsTheModelOnTheSameShiftedImagesAndNonDigitsHaveNoLabel()
      throws Exception {
    Shift shift = Shift.parse("nondigit,rotate", null, 100, 1, 42);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    Demo demo =
        new Demo(
            new Demo.Options(
                DATA,
                MODEL,
                200,
                0,
                Duration.ofMillis(100),
                0,
                0,
                2,
                1,
                false,
                Duration.ofSeconds(1),
                shift),
            new PrintStream(printed, true, StandardCharsets.UTF_8));

    Demo.Result result = demo.run();

    String output = printed.toString(StandardCharsets.UTF_8);
    long nonDigits =
        java.util.stream.IntStream.range(100, 200)
            .filter(
                i ->
                    shift
                        .apply(i, String.format("mnist-test-%05d", i), new byte[784])
                        .orElseThrow()
                        .replacedByNonDigit())
            .count();
    assertThat(nonDigits).isBetween(20L, 80L);
    assertThat(result.complete()).as(output).isTrue();
    assertThat(result.imagesSent()).isEqualTo(200);
    assertThat(result.labelsSent()).isEqualTo(200 - nonDigits);
    assertThat(result.imagesScored()).isEqualTo(200);
    assertThat(result.cumulative().count()).isEqualTo(200 - nonDigits);
    assertThat(result.matchesEvaluate()).as(output).isTrue();
    assertThat(output)
        .contains(
            "Shift: nondigit or rotate 45 degrees on every image from image 100 on",
            "went without a label (they show no digit)",
            "shifted as sent, without Kafka",
            "identical, cell by cell",
            "alerts on digits.alerts: none fired");
  }

  /** The matrix `evaluate` computes: the same model scoring the same images without Kafka. */
  private static ConfusionMatrix directly(int n) throws Exception {
    MnistDataset test = MnistDataset.load(DATA, MnistDataset.Split.TEST);
    DigitClassifier classifier = DigitClassifier.load(ModelBundle.open(MODEL));
    List<byte[]> images = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      images.add(test.image(i));
    }
    float[][] p = classifier.probabilities(images);
    ConfusionMatrix m = ConfusionMatrix.empty();
    for (int i = 0; i < n; i++) {
      m = m.plus(test.label(i), DigitClassifier.Classification.of(p[i]).digit());
    }
    return m;
  }

  private static Set<String> nonDaemonThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !t.isDaemon())
        .map(Thread::getName)
        .collect(Collectors.toSet());
  }
}
