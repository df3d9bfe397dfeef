package io.digitstream.producer.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.config.ConfigException;
import io.digitstream.image.ImageFileException;
import io.digitstream.image.MnistPreprocessor;
import io.digitstream.producer.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
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
