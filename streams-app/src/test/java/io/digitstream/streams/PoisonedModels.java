package io.digitstream.streams;

import io.digitstream.model.DigitClassifier;
import io.digitstream.model.ModelBundle;
import io.digitstream.model.ModelMetadata;
import io.digitstream.model.ReferenceBatch;
import io.digitstream.record.DigitImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Real networks that fail in service in known ways: their output is NaN for some inputs, which is
 * how a bad model or a broken native build shows itself without any exception.
 */
public final class PoisonedModels {
  private PoisonedModels() {}

  /**
   * The test model with a NaN bias in its output layer: NaN for every image, blank too. (A NaN in
   * an earlier layer would not do: the folded forward pass's ReLU turns NaN into 0.)
   */
  public static DigitClassifier nanAlways() {
    MultiLayerNetwork network = Fixtures.bundle().loadNetwork();
    fill(network, "9_b", Float.NaN);
    return new DigitClassifier(network, "nan-always");
  }

  // setParam copies into the network's flattened parameter vector, which the forward pass reads.
  private static void fill(MultiLayerNetwork network, String param, float value) {
    INDArray current = network.getParam(param);
    network.setParam(param, Nd4j.valueArrayOf(current.shape(), value, current.dataType()));
  }

  /** {@link #cornerTrap()} as a classifier of version {@code corner-trap}. */
  public static DigitClassifier cornerTrapClassifier() {
    return new DigitClassifier(cornerTrap(), "corner-trap");
  }

  /**
   * A one-layer network whose answer is NaN exactly when both top-left pixels carry ink: their
   * weights are the float maximum, so their sum overflows to infinity in every class. MNIST digits
   * never touch that corner, so the network passes every check made with them.
   */
  public static MultiLayerNetwork cornerTrap() {
    MultiLayerNetwork network =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .seed(11)
                .list()
                .layer(
                    new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
                        .nOut(10)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.convolutional(DigitImage.SIDE, DigitImage.SIDE, 1))
                .build());
    network.init();
    // W is [784, 10]; rows 0 and 1 are pixels (0, 0) and (0, 1).
    network.getLayer(0).getParam("W").getRow(0).assign(Float.MAX_VALUE);
    network.getLayer(0).getParam("W").getRow(1).assign(Float.MAX_VALUE);
    return network;
  }

  /**
   * {@link #cornerTrap()} as a bundle with a reference batch of 64 MNIST digits, which it passes.
   */
  public static ModelBundle cornerTrapBundle(Path dir) throws IOException {
    MultiLayerNetwork network = cornerTrap();
    ModelMetadata metadata =
        new ModelMetadata(
            1,
            null,
            null,
            "corner-trap",
            ModelMetadata.PREPROCESSING,
            network.numParams(),
            "2026-12-03T00:00:00Z",
            "PoisonedModels.cornerTrapBundle",
            Map.of(),
            Map.of(),
            null,
            null,
            List.of());
    ModelBundle bundle = ModelBundle.write(dir, network, metadata);
    List<byte[]> images = new ArrayList<>();
    for (int i = 0; i < ReferenceBatch.DEFAULT_SIZE; i++) {
      images.add(Fixtures.digits().image(i));
    }
    ModelBundle.writeReference(
        dir,
        ReferenceBatch.record(new DigitClassifier(bundle.loadNetwork(), bundle.version()), images));
    return Fixtures.sign(dir);
  }

  /**
   * Sample digit {@code i} with ink in the two top-left pixels, which trips {@link #cornerTrap}.
   */
  public static DigitImage cornerInked(String id, int i) {
    byte[] pixels = Fixtures.image(id, i).pixels();
    pixels[0] = (byte) 255;
    pixels[1] = (byte) 255;
    return new DigitImage(id, pixels, "corner-inked");
  }
}
