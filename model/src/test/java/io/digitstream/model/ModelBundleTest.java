package io.digitstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.image.Pixels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class ModelBundleTest {
  @TempDir static Path dir;
  static ModelBundle bundle;

  @BeforeAll
  static void writeATinyBundle() throws Exception {
    MultiLayerNetwork net = tinyNetwork();
    bundle = ModelBundle.write(dir.resolve("tiny"), net, tinyMetadata(net));
  }

  /** A small convolutional network, initialised with seed 7; also used by other tests here. */
  static MultiLayerNetwork tinyNetwork() {
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .seed(7)
                .list()
                .layer(
                    new ConvolutionLayer.Builder(5, 5).nOut(4).activation(Activation.RELU).build())
                .layer(
                    new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
                        .nOut(10)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.convolutional(28, 28, 1))
                .build());
    net.init();
    return net;
  }

  static ModelMetadata tinyMetadata(MultiLayerNetwork net) {
    return new ModelMetadata(
        1,
        null,
        null,
        "tiny",
        ModelMetadata.PREPROCESSING,
        net.numParams(),
        "now",
        "test",
        Map.of(),
        Map.of("seed", 7),
        0.1,
        null,
        List.of());
  }

  private static List<byte[]> randomImages(int n) {
    Random r = new Random(1);
    List<byte[]> images = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] px = new byte[784];
      r.nextBytes(px);
      images.add(px);
    }
    return images;
  }

  @Test
  void roundTripsBitIdentically() {
    ModelBundle reopened = ModelBundle.open(bundle.directory());
    assertThat(reopened.version()).isEqualTo(bundle.version()).hasSize(12);
    assertThat(reopened.metadata().networkSha256()).hasSize(64);
    DigitClassifier a = DigitClassifier.load(bundle);
    DigitClassifier b = DigitClassifier.load(reopened);
    List<byte[]> images = randomImages(16);
    assertThat(b.probabilities(images)).isDeepEqualTo(a.probabilities(images));
    assertThat(a.copy().probabilities(images)).isDeepEqualTo(a.probabilities(images));
  }

  @Test
  void scoresABatchLikeSingleImages() {
    DigitClassifier c = DigitClassifier.load(bundle);
    List<byte[]> images = randomImages(5);
    float[][] batch = c.probabilities(images);
    for (int i = 0; i < images.size(); i++) {
      float[] single = c.probabilities(List.of(images.get(i)))[0];
      for (int d = 0; d < 10; d++) {
        assertThat(batch[i][d]).isCloseTo(single[d], org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void scoresLikeDl4jsOwnLayers() {
    DigitClassifier c = DigitClassifier.load(bundle);
    List<byte[]> images = randomImages(8);
    float[] input = new float[8 * 784];
    for (int i = 0; i < 8; i++) {
      Pixels.normalise(images.get(i), input, i * 784);
    }
    float[][] folded = c.output(input, 8);
    float[][] layers = c.layerOutput(input, 8);
    for (int i = 0; i < 8; i++) {
      for (int d = 0; d < 10; d++) {
        assertThat(folded[i][d])
            .isCloseTo(layers[i][d], org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void opensByDirectoryMetadataOrNetworkFile() {
    assertThat(ModelBundle.open(bundle.networkFile()).version()).isEqualTo(bundle.version());
    assertThat(ModelBundle.open(bundle.directory().resolve(ModelBundle.METADATA_FILE)).version())
        .isEqualTo(bundle.version());
  }

  @Test
  void refusesACorruptOrTruncatedNetworkFile() throws Exception {
    Path copy = dir.resolve("corrupt");
    Files.createDirectories(copy);
    Files.copy(
        bundle.directory().resolve(ModelBundle.METADATA_FILE),
        copy.resolve(ModelBundle.METADATA_FILE));
    byte[] net = Files.readAllBytes(bundle.networkFile());
    Files.write(
        copy.resolve(ModelBundle.NETWORK_FILE), java.util.Arrays.copyOf(net, net.length / 2));
    assertThatThrownBy(() -> ModelBundle.open(copy))
        .isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("corrupt or was replaced");
    assertThatThrownBy(() -> ModelBundle.open(dir.resolve("nothing-here")))
        .hasMessageContaining("does not exist");
  }

  @Test
  void loadsTheBytesThatWereCheckedEvenIfTheFilesAreReplacedAfterwards() throws Exception {
    Path target = dir.resolve("rewritten");
    ModelBundle first = ModelBundle.write(target, bundle.loadNetwork(), bundle.metadata());
    MultiLayerNetwork other = bundle.loadNetwork();
    other.params().addi(1.0);
    // What 'train --out' into a directory being loaded does.
    ModelBundle second = ModelBundle.write(target, other, bundle.metadata());
    assertThat(second.version()).isNotEqualTo(first.version());

    assertThat(ModelBundle.contentVersion(first.loadNetwork())).isEqualTo(first.version());
  }

  @Test
  void refusesANetworkWhoseWeightsAreNotTheVersionItsMetadataClaims() throws Exception {
    ModelBundle opened =
        handMade("relabelled", Files.readAllBytes(bundle.networkFile()), "0123456789ab");
    assertThatThrownBy(opened::loadNetwork)
        .isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("is version " + bundle.version())
        .hasMessageContaining("says 0123456789ab");
  }

  @Test
  void refusesANetworkFileWithAnEntryThatWouldBeJavaDeserialised() throws Exception {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (var in = new java.util.zip.ZipInputStream(Files.newInputStream(bundle.networkFile()));
        var out = new java.util.zip.ZipOutputStream(bytes)) {
      for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
        in.transferTo(out);
      }
      out.putNextEntry(new java.util.zip.ZipEntry("preprocessor.bin"));
      new java.io.ObjectOutputStream(out).writeObject(new java.util.ArrayList<String>());
    }
    ModelBundle opened = handMade("gadget", bytes.toByteArray(), bundle.version());
    assertThatThrownBy(opened::loadNetwork)
        .isInstanceOf(ModelBundleException.class)
        .hasMessageContaining("'preprocessor.bin'");
  }

  /** A bundle of {@code network} whose bundle.json has its checksum and claims {@code version}. */
  private static ModelBundle handMade(String name, byte[] network, String version)
      throws Exception {
    Path copy = Files.createDirectories(dir.resolve(name));
    Files.write(copy.resolve(ModelBundle.NETWORK_FILE), network);
    ModelMetadata meta = bundle.metadata().withVersion(version, Sha256.of(network));
    Files.write(
        copy.resolve(ModelBundle.METADATA_FILE),
        io.digitstream.record.Json.MAPPER.writeValueAsBytes(meta));
    return ModelBundle.open(copy);
  }
}
