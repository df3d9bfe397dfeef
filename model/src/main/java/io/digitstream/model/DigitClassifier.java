package io.digitstream.model;

import io.digitstream.image.Pixels;
import io.digitstream.record.DigitImage;
import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores digit images with one network. Not thread-safe, like the {@link MultiLayerNetwork} it
 * owns: give each thread its own classifier ({@link #copy()} or another {@link #load}).
 *
 * <p>Inference runs through a {@link FoldedNetwork} compiled from the network (batch norm folded
 * into the convolutions, libnd4j ops): the same predictions at about 3.5 times DL4J's own rate on
 * the stock nd4j-native build (docs/benchmarks.md). A network with a layer the compiler does not
 * handle is scored by DL4J itself.
 */
public final class DigitClassifier {
  private static final Logger log = LoggerFactory.getLogger(DigitClassifier.class);

  private final MultiLayerNetwork network;
  private final String version;
  private final FoldedNetwork folded;

  public DigitClassifier(MultiLayerNetwork network, String version) {
    this.network = network;
    this.version = version;
    this.folded = compile(network);
  }

  private static FoldedNetwork compile(MultiLayerNetwork network) {
    try {
      // NHWC pays off only where oneDNN runs the convolutions; on the stock build NCHW is faster.
      CNN2DFormat layout = OneDnn.available() ? CNN2DFormat.NHWC : CNN2DFormat.NCHW;
      return FoldedNetwork.compile(network, 1, DigitImage.SIDE, DigitImage.SIDE, layout);
    } catch (IllegalArgumentException e) {
      log.info("Scoring with DL4J's layers: {}", e.getMessage());
      return null;
    }
  }

  /** Loads the bundle's network and checks it answers a blank image with ten probabilities. */
  public static DigitClassifier load(ModelBundle bundle) {
    DigitClassifier classifier = new DigitClassifier(bundle.loadNetwork(), bundle.version());
    float[][] smoke = classifier.probabilities(List.of(new byte[DigitImage.PIXELS]));
    double sum = 0;
    for (float p : smoke[0]) {
      sum += p;
    }
    if (smoke[0].length != 10 || Math.abs(sum - 1) > 1e-3) {
      throw new ModelBundleException(
          "model " + bundle.directory() + " does not output ten class probabilities");
    }
    return classifier;
  }

  public String version() {
    return version;
  }

  public MultiLayerNetwork network() {
    return network;
  }

  /** An independent classifier with the same weights, for another thread. */
  public DigitClassifier copy() {
    return new DigitClassifier(network.clone(), version);
  }

  /** Class probabilities, one row of ten per image of 784 MNIST-style pixels. */
  public float[][] probabilities(List<byte[]> images) {
    int n = images.size();
    float[] input = new float[n * DigitImage.PIXELS];
    for (int i = 0; i < n; i++) {
      byte[] px = images.get(i);
      if (px.length != DigitImage.PIXELS) {
        throw new IllegalArgumentException(
            "image " + i + " has " + px.length + " pixels, expected " + DigitImage.PIXELS);
      }
      Pixels.normalise(px, input, i * DigitImage.PIXELS);
    }
    return output(input, n);
  }

  /** Class probabilities for {@code n} images already scaled to 0–1, NCHW order. */
  public float[][] output(float[] normalised, int n) {
    return folded != null ? folded.output(normalised, n) : layerOutput(normalised, n);
  }

  /**
   * The same probabilities computed by DL4J's own layers, without {@link FoldedNetwork}: the
   * fallback, and the baseline the benchmarks compare against.
   */
  public float[][] layerOutput(float[] normalised, int n) {
    INDArray in = Nd4j.create(normalised, new long[] {n, 1, DigitImage.SIDE, DigitImage.SIDE}, 'c');
    INDArray out = network.output(in, false);
    float[][] rows = Matrices.rows(out);
    in.close();
    out.close();
    return rows;
  }

  /** The digit and probability of one image; convenient, but batch for speed. */
  public Classification classify(byte[] pixels) {
    return Classification.of(probabilities(List.of(pixels))[0]);
  }

  /** The top answer and the ranked alternatives of one image. */
  public record Classification(int digit, float probability, float[] probabilities) {
    public static Classification of(float[] probabilities) {
      int best = 0;
      for (int d = 1; d < probabilities.length; d++) {
        if (probabilities[d] > probabilities[best]) {
          best = d;
        }
      }
      return new Classification(best, probabilities[best], probabilities.clone());
    }

    /** Digits ordered by decreasing probability. */
    public int[] ranking() {
      Integer[] order = new Integer[probabilities.length];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      java.util.Arrays.sort(order, (a, b) -> Float.compare(probabilities[b], probabilities[a]));
      return java.util.Arrays.stream(order).mapToInt(Integer::intValue).toArray();
    }
  }
}
