package io.digitstream.producer.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.config.ConfigException;
import io.digitstream.image.ImageFileException;
import io.digitstream.image.MnistPreprocessor;
import io.digitstream.producer.TestImages;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreeSourceTest {
  @TempDir Path tmp;

  private static List<SourceItem> all(ImageSource source) {
    List<SourceItem> out = new ArrayList<>();
    source.forEach(out::add);
    return out;
  }

  private static Map<String, OptionalInt> labelsById(ImageSource source) {
    Map<String, OptionalInt> out = new LinkedHashMap<>();
    for (SourceItem item : all(source)) {
      LabelledImage image = (LabelledImage) item;
      out.put(image.image().id(), image.label());
    }
    return out;
  }

  @Test
  void labelsComeFromADigitParentDirectoryAndIdsFromTheRelativePath() throws Exception {
    Path root = tmp.resolve("digits");
    TestImages.writeDigit(root.resolve("7/a.png"), 0);
    TestImages.writeDigit(root.resolve("3/deeper/b.jpg"), 1);
    TestImages.writeDigit(root.resolve("3/c.bmp"), 2);
    TestImages.writeDigit(root.resolve("misc/d.gif"), 3);

    FileTreeSource source =
        FileTreeSource.of(List.of(root), FileLabels.parentDirectory(), Selection.all());

    assertThat(labelsById(source))
        .containsExactly(
            Map.entry("digits/3/c.bmp", OptionalInt.of(3)),
            // Only the nearest directory counts: "deeper" is not a digit.
            Map.entry("digits/3/deeper/b.jpg", OptionalInt.empty()),
            Map.entry("digits/7/a.png", OptionalInt.of(7)),
            Map.entry("digits/misc/d.gif", OptionalInt.empty()));
    assertThat(source.name()).isEqualTo("files:digits");
  }

  @Test
  void idsDoNotDependOnHowTheDirectoryWasNamed() throws Exception {
    Path root = tmp.resolve("scans");
    TestImages.writeDigit(root.resolve("4/x.png"), 0);

    FileTreeSource direct = FileTreeSource.of(List.of(root), FileLabels.none(), Selection.all());
    FileTreeSource roundabout =
        FileTreeSource.of(List.of(root.resolve("4/..")), FileLabels.none(), Selection.all());

    assertThat(direct.ids()).containsExactly("scans/4/x.png");
    assertThat(roundabout.ids()).containsExactly("scans/4/x.png");
  }

  @Test
  void aSingleFileIsItsOwnIdAndKeepsItsDirectoryLabel() throws Exception {
    Path file = TestImages.writeDigit(tmp.resolve("9/only.png"), 0);

    FileTreeSource source =
        FileTreeSource.of(List.of(file), FileLabels.parentDirectory(), Selection.all());

    assertThat(labelsById(source)).containsExactly(Map.entry("only.png", OptionalInt.of(9)));
  }

  @Test
  void labelsComeFromAFileNamePattern() throws Exception {
    Path root = tmp.resolve("flat");
    TestImages.writeDigit(root.resolve("5_first.png"), 0);
    TestImages.writeDigit(root.resolve("scan-label-8.png"), 1);
    TestImages.writeDigit(root.resolve("unlabelled.png"), 2);

    FileTreeSource byGroup =
        FileTreeSource.of(List.of(root), FileLabels.pattern("^(\\d)_"), Selection.all());
    FileTreeSource byName =
        FileTreeSource.of(
            List.of(root), FileLabels.pattern("(x)?-(?<label>\\d)\\.png$"), Selection.all());

    assertThat(labelsById(byGroup))
        .containsEntry("flat/5_first.png", OptionalInt.of(5))
        .containsEntry("flat/scan-label-8.png", OptionalInt.empty())
        .containsEntry("flat/unlabelled.png", OptionalInt.empty());
    assertThat(labelsById(byName))
        .containsEntry("flat/scan-label-8.png", OptionalInt.of(8))
        .containsEntry("flat/5_first.png", OptionalInt.empty());
  }

  @Test
  void aPatternThatCapturesSomethingElseThanADigitMakesABadInput() throws Exception {
    Path file = TestImages.writeDigit(tmp.resolve("flat/12_two-digits.png"), 0);

    List<SourceItem> items =
        all(FileTreeSource.of(List.of(file), FileLabels.pattern("^(\\d+)_"), Selection.all()));

    assertThat(items).singleElement().isInstanceOf(BadInput.class);
    BadInput bad = (BadInput) items.get(0);
    assertThat(bad.input()).isEqualTo(file.toString());
    assertThat(bad.reason()).contains("captured '12'").contains("one digit 0-9");
  }

  @Test
  void invalidPatternsAreRefusedNamingTheOption() {
    assertThatThrownBy(() -> FileLabels.pattern("(\\d"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--label-pattern");
    assertThatThrownBy(() -> FileLabels.pattern("\\d"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("group");
  }

  @Test
  void filesThatCannotBeUsedBecomeBadInputsNamingTheFileAndTheReason() throws Exception {
    Path root = tmp.resolve("mixed");
    Path good = TestImages.writeDigit(root.resolve("1/good.png"), 0);
    Path text = TestImages.writeNotAnImage(root.resolve("1/text.png"));
    Path blank = TestImages.writeBlank(root.resolve("1/blank.png"));

    List<SourceItem> items =
        all(FileTreeSource.of(List.of(root), FileLabels.parentDirectory(), Selection.all()));

    assertThat(items).hasSize(3);
    assertThat(items.get(0))
        .isEqualTo(
            new BadInput(
                blank.toString(), "no digit found: the image is blank or has no contrast"));
    LabelledImage image = (LabelledImage) items.get(1);
    assertThat(image.image().pixels()).isEqualTo(MnistPreprocessor.fromFile(good));
    assertThat(image.image().source()).isEqualTo(good.toString());
    BadInput notAnImage = (BadInput) items.get(2);
    assertThat(notAnImage.input()).isEqualTo(text.toString());
    assertThat(notAnImage.reason()).contains("not an image").doesNotContain(text.toString());
  }

  @Test
  void everyFileOfAMixedDirectoryIsAnImageOrABadInputWithItsReasonAndNothingIsInternal()
      throws Exception {
    Path root = tmp.resolve("odd");
    TestImages.writeDigit(root.resolve("a-good.png"), 0);
    TestImages.writeDigit(root.resolve("b-good.jpg"), 1);
    TestImages.writeNotAnImage(root.resolve("c-text.png"));
    Files.write(root.resolve("d-empty.png"), new byte[0]);
    byte[] png = Files.readAllBytes(TestImages.writeDigit(tmp.resolve("whole.png"), 2));
    Files.write(root.resolve("e-truncated.png"), Arrays.copyOf(png, png.length / 3));
    TestImages.writeBlank(root.resolve("f-blank.png"));
    writePng(root.resolve("g-thin.png"), thinStroke(4000, 3));
    writePng(root.resolve("h-one-pixel.png"), new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB));

    List<SourceItem> items =
        all(FileTreeSource.of(List.of(root), FileLabels.none(), Selection.all()));

    Map<String, SourceItem> byName = new LinkedHashMap<>();
    for (SourceItem item : items) {
      String input =
          item instanceof LabelledImage image
              ? image.image().source()
              : item instanceof BadInput bad ? bad.input() : ((InternalFailure) item).input();
      byName.put(Path.of(input).getFileName().toString(), item);
    }
    assertThat(byName).hasSize(8);
    assertThat(byName.get("a-good.png")).isInstanceOf(LabelledImage.class);
    assertThat(byName.get("b-good.jpg")).isInstanceOf(LabelledImage.class);
    assertThat(byName.get("g-thin.png")).isInstanceOf(LabelledImage.class);
    assertThat(reason(byName.get("c-text.png"))).contains("not an image");
    assertThat(reason(byName.get("d-empty.png"))).contains("not an image");
    assertThat(reason(byName.get("e-truncated.png"))).contains("cannot be decoded as PNG");
    assertThat(reason(byName.get("f-blank.png"))).contains("no digit found");
    assertThat(reason(byName.get("h-one-pixel.png"))).contains("no digit found");
  }

  @Test
  void aFailureAfterDecodingIsAnInternalFailureNamingTheFileNotABadInput() throws Exception {
    Path root = tmp.resolve("buggy");
    Path first = TestImages.writeDigit(root.resolve("a.png"), 0);
    Path broken = TestImages.writeDigit(root.resolve("b.png"), 1);
    Path text = TestImages.writeNotAnImage(root.resolve("c.png"));
    IllegalStateException bug = new IllegalStateException("resampler lost its way");

    List<SourceItem> items =
        all(
            FileTreeSource.of(
                List.of(root),
                FileLabels.none(),
                Selection.all(),
                file -> {
                  if (file.equals(broken)) {
                    throw bug;
                  }
                  return MnistPreprocessor.fromFile(file);
                }));

    assertThat(items).hasSize(3);
    assertThat(((LabelledImage) items.get(0)).image().source()).isEqualTo(first.toString());
    assertThat(items.get(1))
        .isEqualTo(
            new InternalFailure(
                broken.toString(), "java.lang.IllegalStateException: resampler lost its way", bug));
    assertThat(((BadInput) items.get(2)).input()).isEqualTo(text.toString());
  }

  private static String reason(SourceItem item) {
    assertThat(item).isInstanceOf(BadInput.class);
    return ((BadInput) item).reason();
  }

  private static BufferedImage thinStroke(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.setColor(Color.BLACK);
    g.drawLine(w / 10, h / 2, w - w / 10, h / 2);
    g.dispose();
    return img;
  }

  private static void writePng(Path file, BufferedImage img) throws Exception {
    Files.createDirectories(file.getParent());
    ImageIO.write(img, "png", file.toFile());
  }

  @Test
  void offsetLimitAndShuffleApplyToTheSortedFiles() throws Exception {
    Path root = tmp.resolve("many");
    for (int i = 0; i < 6; i++) {
      TestImages.writeDigit(root.resolve("f" + i + ".png"), i);
    }

    assertThat(
            FileTreeSource.of(List.of(root), FileLabels.none(), new Selection(2, 3, false, 0))
                .ids())
        .containsExactly("many/f2.png", "many/f3.png", "many/f4.png");
    assertThat(
            FileTreeSource.of(List.of(root), FileLabels.none(), new Selection(0, 0, true, 1)).ids())
        .isEqualTo(
            FileTreeSource.of(List.of(root), FileLabels.none(), new Selection(0, 0, true, 1)).ids())
        .containsExactlyInAnyOrder(
            "many/f0.png",
            "many/f1.png",
            "many/f2.png",
            "many/f3.png",
            "many/f4.png",
            "many/f5.png");
  }

  @Test
  void twoRootsThatWouldShareIdsAreRefused() throws Exception {
    Path a = TestImages.writeDigit(tmp.resolve("a/same/x.png"), 0).getParent();
    Path b = TestImages.writeDigit(tmp.resolve("b/same/x.png"), 0).getParent();

    assertThatThrownBy(() -> FileTreeSource.of(List.of(a, b), FileLabels.none(), Selection.all()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("same/x.png");
  }

  @Test
  void aDirectoryWithoutImagesOrAMissingPathIsAnError() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Files.writeString(empty.resolve("notes.txt"), "no pictures here");

    assertThatThrownBy(() -> FileTreeSource.of(List.of(empty), FileLabels.none(), Selection.all()))
        .isInstanceOf(ImageFileException.class)
        .hasMessageContaining(empty.toString())
        .hasMessageContaining("no image files");
    assertThatThrownBy(
            () ->
                FileTreeSource.of(
                    List.of(tmp.resolve("missing")), FileLabels.none(), Selection.all()))
        .isInstanceOf(ImageFileException.class)
        .hasMessageContaining("missing");
  }
}
