package io.digitstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.digitstream.image.Idx;
import io.digitstream.image.MnistDataset;
import io.digitstream.record.DigitImage;
import io.digitstream.record.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitoringFitTest {
  static final Path SHIPPED = Path.of("..", "models", "default");
  @TempDir Path dir;

  @Test
  void quantileHistogramsMergeTiedEdgesAndExpectTheActualFractions() {
    double[] values = new double[100];
    for (int i = 0; i < values.length; i++) {
      values[i] = i < 70 ? 20 : i; // 70 % tied at one value, as inkHeight is at 20
    }

    MonitoringReference.Histogram h = MonitoringFit.quantileHistogram(values, 10);

    assertThat(h.edges()).isSorted().doesNotHaveDuplicates();
    assertThat(h.edges().length).isLessThan(9);
    assertThat(Arrays.stream(h.expected()).sum()).isCloseTo(1, within(1e-12));
    int[] counts = new int[h.bins()];
    for (double v : values) {
      counts[h.bin(v)]++;
    }
    for (int b = 0; b < h.bins(); b++) {
      assertThat(h.expected()[b]).isEqualTo(counts[b] / 100.0);
    }
  }

  @Test
  void theThresholdFlagsAtMostItsFractionAndNeverLessThanTheFloor() {
    double[] scores = new double[2000];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = i / 100.0; // 0 .. 19.99
    }
    double threshold = MonitoringFit.threshold(scores, 0.0025);
    long flagged = Arrays.stream(scores).filter(s -> s >= threshold).count();
    assertThat(flagged).isEqualTo(5);

    assertThat(MonitoringFit.threshold(new double[100], 0.0025))
        .isEqualTo(MonitoringFit.MIN_THRESHOLD);
  }

  @Test
  void theSameNetworkAndImagesGiveTheSameMonitoringJsonByteForByte() throws Exception {
    DigitClassifier classifier = DigitClassifier.load(ModelBundle.open(SHIPPED));
    MnistDataset data = referenceImages(classifier);
    int[] train = range(0, 48);
    int[] validation = range(48, 64);

    MonitoringReference first = MonitoringFit.fit(classifier, data, train, validation);
    MonitoringReference second = MonitoringFit.fit(classifier.copy(), data, train, validation);
    Path a = Files.createDirectories(dir.resolve("a"));
    Path b = Files.createDirectories(dir.resolve("b"));
    ModelBundle.writeMonitoring(a, first);
    ModelBundle.writeMonitoring(b, second);

    byte[] bytes = Files.readAllBytes(a.resolve(ModelBundle.MONITORING_FILE));
    assertThat(Files.readAllBytes(b.resolve(ModelBundle.MONITORING_FILE))).isEqualTo(bytes);
    // And it reads back as the same reference, written again as the same bytes.
    MonitoringReference read = Json.MAPPER.readValue(bytes, MonitoringReference.class);
    assertThat(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(read))
        .isEqualTo(bytes);
    assertThat(first.validationImages()).isEqualTo(16);
    assertThat(first.labelPrior()).hasSize(10);
    assertThat(first.inputs()).containsOnlyKeys(MonitoringReference.INPUT_FEATURES);
    assertThat(first.ood().ranges()).containsOnlyKeys(MonitoringFit.OOD_FIGURES);
    assertThat(first.ood().threshold()).isGreaterThanOrEqualTo(MonitoringFit.MIN_THRESHOLD);
  }

  /** The shipped bundle's 64 reference images, labelled with its own answers. */
  static MnistDataset referenceImages(DigitClassifier classifier) {
    List<byte[]> pixels = ModelBundle.open(SHIPPED).reference().orElseThrow().pixels();
    byte[] all = new byte[pixels.size() * DigitImage.PIXELS];
    byte[] labels = new byte[pixels.size()];
    float[][] p = classifier.probabilities(pixels);
    for (int i = 0; i < pixels.size(); i++) {
      System.arraycopy(pixels.get(i), 0, all, i * DigitImage.PIXELS, DigitImage.PIXELS);
      labels[i] = (byte) DigitClassifier.Classification.of(p[i]).digit();
    }
    return new MnistDataset("reference", new Idx.Images(pixels.size(), 28, 28, all), labels);
  }

  private static int[] range(int from, int to) {
    int[] r = new int[to - from];
    for (int i = 0; i < r.length; i++) {
      r[i] = from + i;
    }
    return r;
  }
}
