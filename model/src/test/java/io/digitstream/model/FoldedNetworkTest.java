package io.digitstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.digitstream.image.MnistDataset;
import io.digitstream.image.Pixels;
import io.digitstream.record.DigitImage;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * {@link FoldedNetwork} against DL4J's own {@code output()}: every shipped architecture, trained
 * and run in either layout, with random weights, biases and batch-norm statistics (so folding is
 * exercised, not multiplied by one), on random pixels and on MNIST test images, at several batch
 * sizes through one compiled instance (so its buffers are reallocated in between).
 */
class FoldedNetworkTest {
  private static final float TOLERANCE = 1e-5f;
  private static final int SIDE = DigitImage.SIDE;
  private static final int PIXELS = DigitImage.PIXELS;
  private static final Path SHIPPED_MODEL = Path.of("../models/default");

  /** The first 100 MNIST test images, scaled to 0–1 as DigitClassifier does. */
  private static float[] mnist;

  private static int mnistCount;

  @BeforeAll
  static void loadMnistSample() throws Exception {
    MnistDataset sample =
        MnistDataset.load(
            resource("mnist-sample/t10k-images-idx3-ubyte"),
            resource("mnist-sample/t10k-labels-idx1-ubyte"),
            "mnist-sample");
    mnistCount = sample.size();
    mnist = new float[mnistCount * PIXELS];
    for (int i = 0; i < mnistCount; i++) {
      Pixels.normalise(sample.image(i), mnist, i * PIXELS);
    }
  }

  static Stream<Arguments> architecturesAndFormats() {
    List<Arguments> cases = new ArrayList<>();
    for (Architecture a : Architecture.values()) {
      for (CNN2DFormat trained : CNN2DFormat.values()) {
        cases.add(Arguments.of(a.cliName(), trained));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} built in {1}")
  @MethodSource("architecturesAndFormats")
  void scoresEveryShippedArchitectureLikeDl4jInBothLayouts(
      String architecture, CNN2DFormat trained) {
    MultiLayerNetwork network =
        new MultiLayerNetwork(
            Architecture.byName(architecture)
                .configuration(7, new MapSchedule(ScheduleType.EPOCH, Map.of(0, 1e-3)), trained));
    network.init();
    randomiseBiasesAndBatchNorm(network, new Random(architecture.hashCode()));
    assertNotSaturated(network, trained);

    assertMatchesDl4j(network, trained);
  }

  @Test
  void foldsBatchNormStoredAsVarianceOrWithLockedGammaAndBeta() {
    // The shipped architectures keep log10(σ) and learn γ and β; the other two forms of DL4J's
    // batch normalisation take separate branches of the folding.
    MultiLayerNetwork network =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .seed(3)
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Truncate)
                .list()
                .layer(
                    new ConvolutionLayer.Builder(5, 5)
                        .nOut(8)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new BatchNormalization.Builder().useLogStd(false).eps(1e-3).build())
                .layer(new ActivationLayer(Activation.RELU))
                .layer(
                    new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                        .kernelSize(2, 2)
                        .stride(2, 2)
                        .build())
                .layer(
                    new ConvolutionLayer.Builder(3, 3)
                        .nOut(12)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(
                    new BatchNormalization.Builder()
                        .lockGammaBeta(true)
                        .gamma(1.3)
                        .beta(-0.2)
                        .build())
                .layer(new ActivationLayer(Activation.RELU))
                .layer(new DenseLayer.Builder().nOut(32).activation(Activation.RELU).build())
                .layer(
                    new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
                        .nOut(10)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.convolutional(SIDE, SIDE, 1))
                .build());
    network.init();
    randomiseBiasesAndBatchNorm(network, new Random(3));
    assertThat(network.getLayer(1).paramTable()).containsKey("var");
    assertThat(network.getLayer(5).paramTable()).doesNotContainKey("gamma");
    assertNotSaturated(network, CNN2DFormat.NCHW);

    assertMatchesDl4j(network, CNN2DFormat.NCHW);
  }

  @Test
  void scoresTheShippedModelLikeDl4jInBothLayouts() {
    MultiLayerNetwork network = ModelBundle.open(SHIPPED_MODEL).loadNetwork();

    assertMatchesDl4j(network, CNN2DFormat.NCHW);
  }

  @Test
  void classifierOnTheShippedModelScoresLikeDl4jsOwnLayers() {
    // Whichever layout DigitClassifier picked for the nd4j-native build on the class path.
    DigitClassifier classifier = DigitClassifier.load(ModelBundle.open(SHIPPED_MODEL));

    assertSameScores(
        classifier.output(mnist, mnistCount),
        classifier.layerOutput(mnist, mnistCount),
        "MNIST sample");
    float[] random = randomPixels(new Random(11), 9);
    assertSameScores(classifier.output(random, 9), classifier.layerOutput(random, 9), "random");
  }

  /**
   * Compiles {@code network} to run in NCHW and in NHWC and compares each with DL4J on random
   * pixels and on the MNIST sample, in batches of 7, 1, 1, 100 and 7 again.
   */
  private static void assertMatchesDl4j(MultiLayerNetwork network, CNN2DFormat trained) {
    Random random = new Random(42);
    float[] randomSeven = randomPixels(random, 7);
    float[] randomOne = randomPixels(random, 1);
    float[] mnistOne = Arrays.copyOfRange(mnist, 3 * PIXELS, 4 * PIXELS);
    float[][] seven = dl4j(network, trained, randomSeven, 7);
    float[][] one = dl4j(network, trained, randomOne, 1);
    float[][] digit = dl4j(network, trained, mnistOne, 1);
    float[][] sample = dl4j(network, trained, mnist, mnistCount);

    for (CNN2DFormat run : CNN2DFormat.values()) {
      FoldedNetwork folded = FoldedNetwork.compile(network, 1, SIDE, SIDE, run);
      assertThat(folded.layout()).isEqualTo(run);
      assertSameScores(folded.output(randomSeven, 7), seven, run + ", 7 random");
      assertSameScores(folded.output(randomOne, 1), one, run + ", 1 random");
      assertSameScores(folded.output(mnistOne, 1), digit, run + ", 1 MNIST");
      assertSameScores(folded.output(mnist, mnistCount), sample, run + ", 100 MNIST");
      assertSameScores(folded.output(randomSeven, 7), seven, run + ", 7 random again");
    }
  }

  /** A random network whose answers are all near 0 or 1 would hide a wrong fold. */
  private static void assertNotSaturated(MultiLayerNetwork network, CNN2DFormat trained) {
    float[] tenDigits = Arrays.copyOf(mnist, 10 * PIXELS);
    assertThat(meanTopProbability(dl4j(network, trained, tenDigits, 10)))
        .as("mean top probability on ten MNIST digits")
        .isLessThan(0.99);
  }

  /** DL4J's inference on {@code n} one-channel images, shaped for the network's own format. */
  private static float[][] dl4j(
      MultiLayerNetwork network, CNN2DFormat trained, float[] pixels, int n) {
    long[] shape =
        trained == CNN2DFormat.NCHW ? new long[] {n, 1, SIDE, SIDE} : new long[] {n, SIDE, SIDE, 1};
    INDArray in = Nd4j.create(pixels.clone(), shape, 'c');
    return network.output(in, false).toFloatMatrix();
  }

  private static void assertSameScores(float[][] folded, float[][] dl4j, String batch) {
    assertThat(folded).as("batch %s", batch).hasSameDimensionsAs(dl4j);
    for (int i = 0; i < dl4j.length; i++) {
      for (int d = 0; d < dl4j[i].length; d++) {
        assertThat(folded[i][d])
            .as("batch %s, image %d, class %d", batch, i, d)
            .isCloseTo(dl4j[i][d], within(TOLERANCE));
      }
      assertThat(argmax(folded[i])).as("batch %s, image %d", batch, i).isEqualTo(argmax(dl4j[i]));
    }
  }

  /**
   * Random biases for every layer and random statistics for every batch normalisation: DL4J
   * initialises biases to 0, means to 0, σ and γ to 1 and β to 0, which would make folding a no-op.
   */
  private static void randomiseBiasesAndBatchNorm(MultiLayerNetwork network, Random random) {
    for (int i = 0; i < network.getnLayers(); i++) {
      for (Map.Entry<String, INDArray> p : network.getLayer(i).paramTable().entrySet()) {
        INDArray values = p.getValue();
        switch (p.getKey()) {
          case "b", "beta" -> fill(values, random, -0.3, 0.3);
          case "mean" -> fill(values, random, -0.5, 0.5);
          case "var" -> fill(values, random, 0.25, 4);
          case "log10stdev" -> fill(values, random, Math.log10(0.5), Math.log10(2));
          case "gamma" -> fill(values, random, 0.5, 1.5);
          default -> {}
        }
      }
    }
  }

  private static void fill(INDArray param, Random random, double low, double high) {
    float[] v = new float[Math.toIntExact(param.length())];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (low + (high - low) * random.nextDouble());
    }
    param.assign(Nd4j.create(v, param.shape(), 'c'));
  }

  private static float[] randomPixels(Random random, int n) {
    float[] px = new float[n * PIXELS];
    for (int i = 0; i < px.length; i++) {
      px[i] = random.nextFloat();
    }
    return px;
  }

  private static int argmax(float[] p) {
    int best = 0;
    for (int d = 1; d < p.length; d++) {
      if (p[d] > p[best]) {
        best = d;
      }
    }
    return best;
  }

  private static double meanTopProbability(float[][] rows) {
    return Arrays.stream(rows).mapToDouble(r -> r[argmax(r)]).average().orElseThrow();
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(FoldedNetworkTest.class.getResource("/" + name).toURI());
  }
}
