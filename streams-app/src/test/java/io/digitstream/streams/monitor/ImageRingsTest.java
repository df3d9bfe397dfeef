package io.digitstream.streams.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.record.Prediction;
import java.util.Base64;
import java.util.List;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class ImageRingsTest {
  private static final TaskId TASK = new TaskId(0, 1);
  private static final TaskId OTHER = new TaskId(0, 2);

  private static Prediction prediction(String id, int digit, double confidence, long time) {
    return prediction(id, digit, confidence, time, false);
  }

  private static Prediction prediction(
      String id, int digit, double confidence, long time, boolean ood) {
    Double[] p = new Double[10];
    for (int d = 0; d < 10; d++) {
      p[d] = d == digit ? confidence : (1 - confidence) / 9;
    }
    return new Prediction(id, digit, confidence, List.of(p), "v1", time, time + 1)
        .withMonitoring(confidence, ood ? 7.5 : 0.2, ood);
  }

  private static byte[] pixels(int fill) {
    byte[] out = new byte[784];
    out[fill % 784] = (byte) 255;
    return out;
  }

  @Test
  void showsAMisclassifiedImageWithItsPixelsTruthAndProbability() {
    ImageRings rings = new ImageRings(new ImageRingSettings(4, 100));
    Prediction p = prediction("a", 9, 0.62, 1000);
    rings.scored(TASK, "a", pixels(3), p);
    rings.paired(TASK, "a", 4, p);
    rings.paired(TASK, "b-never-scored", 1, prediction("b-never-scored", 7, 0.9, 2000));

    List<PageImage> wrong = rings.local(ImageKind.MISCLASSIFIED, 10);
    assertThat(wrong).extracting(PageImage::id).containsExactly("b-never-scored", "a");
    PageImage a = wrong.get(1);
    assertThat(a.predictedDigit()).isEqualTo(9);
    assertThat(a.trueDigit()).isEqualTo(4);
    assertThat(a.probability()).isEqualTo(0.62);
    assertThat(Base64.getDecoder().decode(a.pixels())).isEqualTo(pixels(3));
    // A label after the pixels were forgotten still names the error, without a picture.
    assertThat(wrong.get(0).pixels()).isNull();
  }

  @Test
  void aRightPredictionNeverEntersTheMisclassifiedRingButLeavesTheWaitingOnes() {
    ImageRings rings = new ImageRings(new ImageRingSettings(4, 100));
    Prediction p = prediction("a", 3, 0.4, 1000, true);
    rings.scored(TASK, "a", pixels(1), p);
    assertThat(rings.local(ImageKind.UNCONFIDENT, 10))
        .extracting(PageImage::id)
        .containsExactly("a");
    assertThat(rings.local(ImageKind.OOD, 10)).extracting(PageImage::id).containsExactly("a");

    rings.paired(TASK, "a", 3, p);

    for (ImageKind kind : ImageKind.values()) {
      assertThat(rings.local(kind, 10)).as(kind.label()).isEmpty();
    }
  }

  @Test
  void keepsTheLeastConfidentWaitingImagesAndAnswersThemNewestFirst() {
    ImageRings rings = new ImageRings(new ImageRingSettings(3, 100));
    double[] confidence = {0.9, 0.3, 0.8, 0.1, 0.5, 0.99};
    for (int i = 0; i < confidence.length; i++) {
      rings.scored(TASK, "i" + i, pixels(i), prediction("i" + i, 1, confidence[i], i * 1000L));
    }
    assertThat(rings.local(ImageKind.UNCONFIDENT, 10))
        .extracting(PageImage::id)
        .containsExactly("i4", "i3", "i1");
    assertThat(rings.local(ImageKind.UNCONFIDENT, 2))
        .as("the two least confident")
        .extracting(PageImage::id)
        .containsExactly("i3", "i1");
  }

  @Test
  void forgetsWaitingImagesWhosePixelsLeftTheRecentCache() {
    ImageRings rings = new ImageRings(new ImageRingSettings(5, 2));
    rings.scored(TASK, "old", pixels(1), prediction("old", 1, 0.2, 1000, true));
    rings.scored(TASK, "mid", pixels(2), prediction("mid", 1, 0.95, 2000));
    rings.scored(TASK, "new", pixels(3), prediction("new", 1, 0.9, 3000));

    assertThat(rings.remembered(TASK)).isEqualTo(2);
    assertThat(rings.local(ImageKind.UNCONFIDENT, 10))
        .extracting(PageImage::id)
        .containsExactly("new", "mid");
    assertThat(rings.local(ImageKind.OOD, 10)).isEmpty();
  }

  @Test
  void mergesTasksAndDropsAClosedTasksImages() {
    ImageRings rings = new ImageRings(new ImageRingSettings(2, 10));
    for (int i = 0; i < 3; i++) {
      Prediction p = prediction("t" + i, 2, 0.7, 100L * i);
      rings.scored(TASK, p.id(), pixels(i), p);
      rings.paired(TASK, p.id(), 5, p);
      Prediction q = prediction("o" + i, 2, 0.7, 100L * i + 50);
      rings.scored(OTHER, q.id(), pixels(i), q);
      rings.paired(OTHER, q.id(), 5, q);
    }
    assertThat(rings.local(ImageKind.MISCLASSIFIED, 10))
        .extracting(PageImage::id)
        .containsExactly("o2", "t2", "o1", "t1");

    rings.taskClosed(OTHER);

    assertThat(rings.tasks()).isEqualTo(1);
    assertThat(rings.local(ImageKind.MISCLASSIFIED, 10))
        .extracting(PageImage::id)
        .containsExactly("t2", "t1");
  }

  @Test
  void anImageScoredAgainAfterACrashIsShownOnce() {
    ImageRings rings = new ImageRings(new ImageRingSettings(4, 10));
    Prediction p = prediction("a", 8, 0.3, 1000, true);
    rings.scored(TASK, "a", pixels(1), p);
    rings.scored(TASK, "a", pixels(1), p);
    assertThat(rings.local(ImageKind.UNCONFIDENT, 10)).hasSize(1);
    assertThat(rings.local(ImageKind.OOD, 10)).hasSize(1);
    rings.paired(TASK, "a", 0, p);
    rings.paired(TASK, "a", 0, p);
    assertThat(rings.local(ImageKind.MISCLASSIFIED, 10)).hasSize(1);
  }

  @Test
  void selectsAcrossInstancesEachImageOnce() {
    PageImage a = new PageImage("a", "v1", null, 1, 0.2, null, 10, null, null);
    PageImage b = new PageImage("b", "v1", null, 1, 0.9, null, 20, null, null);
    PageImage c = new PageImage("c", "v1", null, 1, 0.5, null, 30, null, null);
    assertThat(ImageRings.select(ImageKind.UNCONFIDENT, List.of(b, a, c, a), 2))
        .containsExactly(c, a);
    assertThat(ImageRings.select(ImageKind.OOD, List.of(a, b, c, c), 2)).containsExactly(c, b);
  }
}
