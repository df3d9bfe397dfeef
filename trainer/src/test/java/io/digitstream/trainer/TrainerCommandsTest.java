package io.digitstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.digitstream.model.Architecture;
import io.digitstream.model.ModelBundle;
import io.digitstream.record.Json;
import io.digitstream.testkit.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trains once on the committed 2,000-image MNIST subset, then checks what each command does with
 * the result.
 */
@TestMethodOrder(MethodOrderer.MethodName.class)
class TrainerCommandsTest {
  static final Path SMALL = Path.of("src/test/resources/mnist-small");
  static final Path SAMPLES = Path.of("src/test/resources/samples");
  @TempDir static Path dir;
  static CliRun training;
  static Path model;

  @BeforeAll
  static void trainOnTheSmallSubset() {
    model = dir.resolve("small-model");
    training =
        Trainer.run(
            "train",
            "--arch",
            "compact-bn",
            "--epochs",
            "3",
            "--batch-size",
            "32",
            "--validation",
            "300",
            "--learning-rate",
            "0.003",
            "--seed",
            "7",
            "--data",
            SMALL.toString(),
            "--out",
            model.toString());
  }

  @Test
  void aShortTrainingRunLearnsFarAboveChance() {
    assertThat(training.exitCode()).as(training.err()).isZero();
    assertThat(training.out()).contains("epoch 1:", "validation accuracy", "Wrote model bundle");
    ModelBundle bundle = ModelBundle.open(model);
    assertThat(bundle.metadata().architecture()).isEqualTo("compact-bn");
    assertThat(bundle.metadata().testAccuracy()).isGreaterThan(0.80);
    assertThat(bundle.metadata().validationAccuracy()).isGreaterThan(0.80);
    assertThat(bundle.metadata().epochs()).hasSizeBetween(1, 3);
    assertThat(bundle.metadata().dataChecksums()).containsKey("train-images-idx3-ubyte.gz");
    assertThat(bundle.metadata().command()).startsWith("./digitstream train --arch compact-bn");
    assertThat(bundle.metadata().hyperParameters()).containsEntry("seed", 7);
  }

  @Test
  void theSameSeedTrainsTheSameModel() {
    Path again = dir.resolve("again");
    CliRun second =
        Trainer.run(
            "train",
            "--arch",
            "compact-bn",
            "--epochs",
            "3",
            "--batch-size",
            "32",
            "--validation",
            "300",
            "--learning-rate",
            "0.003",
            "--seed",
            "7",
            "--data",
            SMALL.toString(),
            "--out",
            again.toString());
    assertThat(second.exitCode()).isZero();
    assertThat(ModelBundle.open(again).version()).isEqualTo(ModelBundle.open(model).version());
  }

  @Test
  void evaluateMatrixSumsToTheSampleCountAndMatchesItsAccuracy() throws Exception {
    Path png = dir.resolve("heat.png");
    CliRun run =
        Trainer.run(
            "evaluate",
            "--model",
            model.toString(),
            "--data",
            SMALL.toString(),
            "--json",
            "--png",
            png.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode doc = Json.MAPPER.readTree(run.out());
    JsonNode matrix = doc.get("confusionMatrix").get("matrix");
    long sum = 0;
    long diagonal = 0;
    for (int t = 0; t < 10; t++) {
      for (int p = 0; p < 10; p++) {
        sum += matrix.get(t).get(p).asLong();
        diagonal += t == p ? matrix.get(t).get(p).asLong() : 0;
      }
    }
    assertThat(sum).isEqualTo(500).isEqualTo(doc.get("count").asLong());
    assertThat(doc.get("accuracy").asDouble()).isEqualTo((double) diagonal / sum);
    assertThat(doc.get("accuracy").asDouble())
        .isEqualTo(ModelBundle.open(model).metadata().testAccuracy());
    assertThat(Files.size(png)).isGreaterThan(1000);
  }

  @Test
  void evaluateSaysWhichFileIsMissing() {
    CliRun run =
        Trainer.run(
            "evaluate", "--model", model.toString(), "--data", dir.resolve("nowhere").toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("t10k-images-idx3-ubyte", "fetch-mnist");
  }

  @Test
  void predictAnswersEveryImageAndFailsClearlyOnANonImage() throws Exception {
    String[] files;
    try (Stream<Path> s = Files.list(SAMPLES)) {
      files = s.sorted().map(Path::toString).toArray(String[]::new);
    }
    String[] args = new String[files.length + 3];
    args[0] = "predict";
    args[1] = "--model";
    args[2] = "../models/default";
    System.arraycopy(files, 0, args, 3, files.length);
    CliRun run = Trainer.run(args);
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("not-an-image.png: not an image");
    for (String f : files) {
      String name = Path.of(f).getFileName().toString();
      if (Character.isDigit(name.charAt(0))) {
        // Samples are named after their true digit; the default model must get every one right.
        assertThat(run.out())
            .containsPattern(java.util.regex.Pattern.quote(f) + ": " + name.charAt(0) + " \\(");
      }
    }
  }

  @Test
  void explainDrawsInputFiltersAndEveryFeatureMap() throws Exception {
    Path out = dir.resolve("explain");
    CliRun run =
        Trainer.run(
            "explain",
            "--model",
            model.toString(),
            "--data",
            SMALL.toString(),
            "--out",
            out.toString(),
            SAMPLES.resolve("7-mnist-test-00000.jpg").toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    try (Stream<Path> s = Files.list(out)) {
      assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
          .containsExactly(
              "1-input.png",
              "2-normalised.png",
              "3-filters-layer0.png",
              "4-conv1-maps.png",
              "5-pool1-maps.png",
              "6-conv2-maps.png",
              "7-pool2-maps.png",
              "8-dataset-samples.png",
              "9-class-counts.png");
    }
  }

  @Test
  void everyArchitectureBuildsAndNamesTheChoicesWhenUnknown() {
    for (Architecture a : Architecture.values()) {
      var net =
          new org.deeplearning4j.nn.multilayer.MultiLayerNetwork(
              a.configuration(
                  1,
                  new org.nd4j.linalg.schedule.ExponentialSchedule(
                      org.nd4j.linalg.schedule.ScheduleType.ITERATION, 1e-3, 1)));
      net.init();
      assertThat(net.output(org.nd4j.linalg.factory.Nd4j.zeros(2, 1, 28, 28)).shape())
          .containsExactly(2, 10);
    }
    CliRun run = Trainer.run("train", "--arch", "resnet", "--data", SMALL.toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("unknown architecture 'resnet'", "lenet-bn");
  }
}
