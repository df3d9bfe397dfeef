package io.digitstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.digitstream.image.Idx;
import io.digitstream.image.MnistDataset;
import io.digitstream.model.Architecture;
import io.digitstream.model.ModelBundle;
import io.digitstream.record.Json;
import io.digitstream.testkit.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    assertThat(training.out()).contains("Calibration: temperature", "out of distribution");
    assertThat(bundle.monitoring()).isPresent();
    assertThat(bundle.monitoring().get().validationImages()).isEqualTo(300);
  }

  @Test
  void calibrateRebuildsTheValidationSplitAndReproducesTrainsMonitoringJson() throws Exception {
    Path copy = Files.createDirectories(dir.resolve("recalibrated"));
    for (String f : List.of(ModelBundle.METADATA_FILE, ModelBundle.NETWORK_FILE)) {
      Files.copy(model.resolve(f), copy.resolve(f));
    }
    byte[] metadata = Files.readAllBytes(copy.resolve(ModelBundle.METADATA_FILE));

    CliRun run = Trainer.run("calibrate", "--model", copy.toString(), "--data", SMALL.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .contains(
            "temperature",
            "expected calibration error on validation",
            "of validation flagged",
            "version unchanged");
    assertThat(copy.resolve(ModelBundle.MONITORING_FILE))
        .hasBinaryContent(Files.readAllBytes(model.resolve(ModelBundle.MONITORING_FILE)));
    assertThat(copy.resolve(ModelBundle.METADATA_FILE)).hasBinaryContent(metadata);
    assertThat(ModelBundle.open(copy).version()).isEqualTo(ModelBundle.open(model).version());
  }

  @Test
  void calibrateRefusesTrainingDataOtherThanTheBundlesOwn() throws Exception {
    Path other = Files.createDirectories(dir.resolve("other-data"));
    MnistDataset small = MnistDataset.load(SMALL, MnistDataset.Split.TRAIN);
    byte[] labels = small.labels().clone();
    labels[0] = (byte) ((labels[0] + 1) % 10);
    Idx.writeImages(other.resolve("train-images-idx3-ubyte"), small.images());
    Idx.writeLabels(other.resolve("train-labels-idx1-ubyte"), labels);

    CliRun run = Trainer.run("calibrate", "--model", model.toString(), "--data", other.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains("train-images-idx3-ubyte is not the file the bundle was trained on");
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
    JsonNode calibration = doc.get("calibration");
    assertThat(calibration.get("temperature").asDouble())
        .isEqualTo(ModelBundle.open(model).monitoring().orElseThrow().temperature());
    assertThat(calibration.get("eceBefore").asDouble()).isBetween(0.0, 1.0);
    assertThat(calibration.get("eceAfter").asDouble()).isBetween(0.0, 1.0);
    assertThat(calibration.get("outOfDistribution").asDouble()).isBetween(0.0, 0.05);
    long binned = 0;
    for (JsonNode bin : calibration.get("reliability")) {
      binned += bin.get("count").asLong();
    }
    assertThat(calibration.get("reliability")).hasSize(15);
    assertThat(binned).isEqualTo(500);
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
    // The default bundle calibrates, and none of these real digits is taken for something else.
    assertThat(run.out()).contains("calibrated").doesNotContain("out of distribution");
  }

  @Test
  void predictSaysAPictureOfPureNoiseIsNotLikeAnyDigit() throws Exception {
    java.util.Random random = new java.util.Random(5);
    java.awt.image.BufferedImage noise =
        new java.awt.image.BufferedImage(64, 64, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 64; y++) {
      for (int x = 0; x < 64; x++) {
        noise.getRaster().setSample(x, y, 0, random.nextInt(256));
      }
    }
    Path file = dir.resolve("noise.png");
    javax.imageio.ImageIO.write(noise, "png", file.toFile());

    CliRun run = Trainer.run("predict", "--model", "../models/default", file.toString());
    CliRun json = Trainer.run("predict", "--model", "../models/default", "--json", file.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("not like any digit the model was trained on");
    JsonNode answer = Json.MAPPER.readTree(json.out()).get("results").get(0);
    assertThat(answer.get("outOfDistribution").asBoolean()).isTrue();
    assertThat(answer.get("oodScore").asDouble()).isGreaterThanOrEqualTo(0.3);
    assertThat(answer.get("calibratedProbability").asDouble()).isBetween(0.0, 1.0);
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
