package io.digitstream.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.digitstream.image.MnistPreprocessor;
import io.digitstream.record.Json;
import io.digitstream.testkit.CliRun;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code predict} and {@code explain} on a directory of good, odd and broken pictures: one file
 * never stops the others, and each failure says whose fault it is.
 */
class MixedFilesTest {
  static final String MODEL = "../models/default";
  @TempDir static Path tmp;
  static Path mixed;

  /** Good: a 7 (JPEG), a 2 (PNG) and a thin 4,000 x 3 stroke. Bad: the other five. */
  @BeforeAll
  static void writeAMixedDirectory() throws Exception {
    mixed = Files.createDirectories(tmp.resolve("mixed"));
    Path seven = TrainerCommandsTest.SAMPLES.resolve("7-mnist-test-00000.jpg");
    Path two = TrainerCommandsTest.SAMPLES.resolve("2-mnist-test-00001.png");
    Files.copy(seven, mixed.resolve("a-seven.jpg"));
    Files.copy(two, mixed.resolve("b-two.png"));
    Files.writeString(mixed.resolve("c-text.png"), "this is not a picture");
    Files.write(mixed.resolve("d-empty.png"), new byte[0]);
    byte[] png = Files.readAllBytes(two);
    Files.write(mixed.resolve("e-truncated.png"), Arrays.copyOf(png, png.length / 3));
    write(mixed.resolve("f-blank.png"), blank(300, 200));
    write(mixed.resolve("g-thin.png"), thinStroke());
    write(mixed.resolve("h-one-pixel.png"), blank(1, 1));
    Files.writeString(mixed.resolve("notes.txt"), "not an image name: not looked at");
  }

  private static BufferedImage blank(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.dispose();
    return img;
  }

  private static BufferedImage thinStroke() {
    BufferedImage img = blank(4000, 3);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.BLACK);
    g.setStroke(new BasicStroke(1));
    g.drawLine(100, 1, 3900, 1);
    g.dispose();
    return img;
  }

  private static void write(Path file, BufferedImage img) throws Exception {
    ImageIO.write(img, "png", file.toFile());
  }

  private static String f(String name) {
    return mixed.resolve(name).toString();
  }

  @Test
  void predictAnswersEveryFileOfAMixedDirectoryAndExitsOne() {
    CliRun run = Trainer.run("predict", "--model", MODEL, mixed.toString());

    assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
    assertThat(run.out())
        .contains(f("a-seven.jpg") + ": 7 (")
        .contains(f("b-two.png") + ": 2 (")
        .contains(f("g-thin.png") + ": ");
    assertThat(run.err())
        .contains("error: " + f("c-text.png") + ": not an image")
        .contains("error: " + f("d-empty.png") + ": not an image")
        .contains("error: " + f("e-truncated.png") + ": cannot be decoded as PNG")
        .contains("error: " + f("f-blank.png") + ": no digit found")
        .contains("error: " + f("h-one-pixel.png") + ": no digit found")
        .contains("5 of 8 files not answered")
        .doesNotContain("internal error")
        .doesNotContain("\tat ")
        .doesNotContain("notes.txt");
    // One line per failure and the closing count, nothing else.
    assertThat(run.err().lines()).hasSize(6);
  }

  @Test
  void predictJsonGivesEachFilesDigitProbabilityAndTopThreeOrItsError() throws Exception {
    CliRun run = Trainer.run("predict", "--json", "--model", MODEL, mixed.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    JsonNode doc = Json.MAPPER.readTree(run.out());
    assertThat(doc.get("failed").asInt()).isEqualTo(5);
    assertThat(doc.get("modelVersion").asText()).isNotBlank();
    Map<String, JsonNode> byFile = new HashMap<>();
    doc.get("results")
        .forEach(r -> byFile.put(Path.of(r.get("file").asText()).getFileName().toString(), r));
    assertThat(byFile).hasSize(8);
    JsonNode seven = byFile.get("a-seven.jpg");
    assertThat(seven.get("digit").asInt()).isEqualTo(7);
    assertThat(seven.get("probability").asDouble()).isBetween(0.5, 1.0);
    assertThat(seven.get("top3")).hasSize(3);
    assertThat(seven.get("top3").get(0).get("digit").asInt()).isEqualTo(7);
    assertThat(seven.has("error")).isFalse();
    for (String bad :
        List.of("c-text.png", "d-empty.png", "e-truncated.png", "f-blank.png", "h-one-pixel.png")) {
      JsonNode r = byFile.get(bad);
      assertThat(r.get("kind").asText()).as(bad).isEqualTo("bad-input");
      assertThat(r.get("error").asText()).as(bad).isNotBlank().doesNotContain(bad);
      assertThat(r.has("digit")).isFalse();
    }
  }

  @Test
  void anUnexpectedFailureIsAnInternalErrorNamingTheFileAndTheOthersAreStillAnswered()
      throws Exception {
    CommandLine.IFactory brokenOnTwo =
        new CommandLine.IFactory() {
          @Override
          public <K> K create(Class<K> cls) throws Exception {
            if (cls == PredictCommand.class) {
              return cls.cast(
                  new PredictCommand(
                      file -> {
                        if (file.getFileName().toString().equals("b-two.png")) {
                          throw new IllegalStateException("resampler lost its way");
                        }
                        return MnistPreprocessor.fromFile(file);
                      }));
            }
            return CommandLine.defaultFactory().create(cls);
          }
        };

    CliRun text =
        Trainer.with(
            brokenOnTwo,
            "predict",
            "--model",
            MODEL,
            f("a-seven.jpg"),
            f("b-two.png"),
            f("c-text.png"));
    CliRun json =
        Trainer.with(
            brokenOnTwo, "predict", "--json", "--model", MODEL, f("b-two.png"), f("a-seven.jpg"));
    CliRun verbose =
        Trainer.with(brokenOnTwo, "predict", "--verbose", "--model", MODEL, f("b-two.png"));

    assertThat(text.exitCode()).isEqualTo(1);
    assertThat(text.out()).contains(f("a-seven.jpg") + ": 7 (");
    assertThat(text.err())
        .contains(
            "internal error: "
                + f("b-two.png")
                + ": java.lang.IllegalStateException: resampler lost its way")
        .contains("error: " + f("c-text.png") + ": not an image")
        .contains("(1 internal error)")
        .doesNotContain("\tat ");
    JsonNode results = Json.MAPPER.readTree(json.out()).get("results");
    assertThat(results.get(0).get("kind").asText()).isEqualTo("internal");
    assertThat(results.get(0).get("error").asText()).contains("IllegalStateException");
    assertThat(results.get(1).get("digit").asInt()).isEqualTo(7);
    assertThat(verbose.exitCode()).isEqualTo(1);
    assertThat(verbose.err()).contains("IllegalStateException").contains("\tat ");
  }

  @Test
  void aMissingFileOrADirectoryWithoutImagesIsOneErrorAmongTheAnswers() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("nothing-here"));

    CliRun run =
        Trainer.run(
            "predict",
            "--model",
            MODEL,
            f("a-seven.jpg"),
            tmp.resolve("absent.png").toString(),
            empty.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).contains(f("a-seven.jpg") + ": 7 (");
    assertThat(run.err())
        .contains("error: " + tmp.resolve("absent.png") + ": no such file")
        .contains("error: " + empty + ": no image files in this directory");
  }

  @Test
  void explainDrawsEveryGoodFileOfAMixedDirectoryAndNamesEachBadOne() throws Exception {
    Path out = tmp.resolve("explained");

    CliRun run =
        Trainer.run(
            "explain",
            "--model",
            MODEL,
            "--data",
            tmp.resolve("no-mnist").toString(),
            "--out",
            out.toString(),
            mixed.toString());

    assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
    assertThat(run.out())
        .contains(f("a-seven.jpg") + ": the network says 7")
        .contains(f("b-two.png") + ": the network says 2")
        .contains(f("g-thin.png") + ": the network says");
    assertThat(run.err())
        .contains("error: " + f("c-text.png") + ": not an image")
        .contains("error: " + f("e-truncated.png") + ": cannot be decoded as PNG")
        .contains("error: " + f("f-blank.png") + ": no digit found")
        .contains("5 of 8 files not answered")
        .doesNotContain("\tat ");
    try (Stream<Path> s = Files.list(out)) {
      assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
          .containsExactly("a-seven.jpg", "b-two.png", "g-thin.png");
    }
    assertThat(out.resolve("a-seven.jpg/1-input.png")).exists();
    assertThat(out.resolve("b-two.png/2-normalised.png")).exists();
  }
}
