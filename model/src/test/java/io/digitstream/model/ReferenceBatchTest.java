package io.digitstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.record.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A candidate is checked on a real batch before it serves, not only on one blank image. */
class ReferenceBatchTest {
  @TempDir Path dir;

  @Test
  void loadsABundleThatReproducesItsReferenceBatch() throws IOException {
    ModelBundle bundle = write("good", network(false));
    ModelBundle.writeReference(bundle.directory(), reference(bundle));

    assertThat(ModelBundle.open(bundle.directory()).reference()).isPresent();
    assertThat(DigitClassifier.load(ModelBundle.open(bundle.directory())).version())
        .isEqualTo(bundle.version());
  }

  @Test
  void refusesABundleWhoseNetworkNoLongerGivesTheRecordedAnswers() throws IOException {
    ModelBundle bundle = write("drifted", network(false));
    ReferenceBatch recorded = reference(bundle);
    List<ReferenceBatch.Entry> changed = new ArrayList<>(recorded.images());
    float[] p = changed.get(3).probabilities().clone();
    int top = DigitClassifier.Classification.of(p).digit();
    // The recorded answer moves to another digit, as if the network had been swapped.
    float moved = p[top];
    p[top] = p[(top + 1) % 10];
    p[(top + 1) % 10] = moved;
    changed.set(3, new ReferenceBatch.Entry(changed.get(3).pixels(), p));
    ModelBundle.writeReference(
        bundle.directory(), new ReferenceBatch(1, recorded.tolerance(), changed));

    assertThatThrownBy(() -> DigitClassifier.load(ModelBundle.open(bundle.directory())))
        .isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("fails its reference.json check")
        .hasMessageContaining("reference image 3");
  }

  @Test
  void refusesANetworkThatAnswersABlankImageButGivesNanOnInkWithoutAReferenceBatch() {
    ModelBundle poisoned = write("poisoned", network(true));
    assertThat(poisoned.reference()).isEmpty();

    assertThatThrownBy(() -> DigitClassifier.load(poisoned))
        .isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("fails on a batch of 64 random images")
        .hasMessageContaining("NaN");
  }

  @Test
  void refusesAnUnreadableReferenceFileWithItsName() throws IOException {
    ModelBundle bundle = write("unreadable", network(false));
    Files.writeString(bundle.directory().resolve(ModelBundle.REFERENCE_FILE), "{\"formatVersion\"");

    assertThatThrownBy(() -> DigitClassifier.load(ModelBundle.open(bundle.directory())))
        .isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("reference.json is not a valid reference batch");
  }

  @Test
  void refusesAReferenceFileChangedAfterTheBundleWasOpened() throws IOException {
    ModelBundle written = write("changed", network(false));
    ModelBundle.writeReference(written.directory(), reference(written));
    ModelBundle opened = ModelBundle.open(written.directory());
    // The signature, if any, covered the file as it was opened; another one must not be used.
    Files.writeString(opened.directory().resolve(ModelBundle.REFERENCE_FILE), "{}");

    assertThatThrownBy(opened::reference)
        .isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("changed after the bundle was opened");
  }

  @Test
  void writesPixelsAsBase64AndReadsThemBack() throws IOException {
    ModelBundle bundle = write("json", network(false));
    ReferenceBatch recorded = reference(bundle);
    ModelBundle.writeReference(bundle.directory(), recorded);
    String json = Files.readString(bundle.directory().resolve(ModelBundle.REFERENCE_FILE));
    assertThat(json)
        .startsWith("{\"formatVersion\":1,\"tolerance\":0.001,\"images\":[{\"pixels\":\"");
    ReferenceBatch read = Json.MAPPER.readValue(json, ReferenceBatch.class);
    assertThat(read.pixels().get(5)).isEqualTo(recorded.pixels().get(5));
    assertThat(read.images().get(5).probabilities())
        .isEqualTo(recorded.images().get(5).probabilities());
  }

  private static ReferenceBatch reference(ModelBundle bundle) {
    List<byte[]> images = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      byte[] px = new byte[784];
      // A stroke in a different place for each image: real ink, not noise.
      for (int y = 6; y < 22; y++) {
        px[y * 28 + 6 + i] = (byte) 255;
      }
      images.add(px);
    }
    return ReferenceBatch.record(new DigitClassifier(bundle.loadNetwork(), "x"), images);
  }

  /**
   * A small convolutional network; {@code poisoned} gives its convolution weights near the float
   * maximum, so a blank image (all zeros) is answered normally and any ink overflows to NaN.
   */
  private static MultiLayerNetwork network(boolean poisoned) {
    MultiLayerNetwork net = ModelBundleTest.tinyNetwork();
    if (poisoned) {
      net.getLayer(0).getParam("W").assign(3e38f);
    }
    return net;
  }

  private ModelBundle write(String name, MultiLayerNetwork net) {
    try {
      return ModelBundle.write(dir.resolve(name), net, ModelBundleTest.tinyMetadata(net));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
