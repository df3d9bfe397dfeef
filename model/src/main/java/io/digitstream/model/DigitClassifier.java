package io.digitstream.model;

import io.digitstream.image.Pixels;
import io.digitstream.record.DigitImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
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
  private final MonitoringReference monitoring;

  public DigitClassifier(MultiLayerNetwork network, String version) {
    this(network, version, null);
  }

  /**
   * A classifier that carries its bundle's monitoring reference (calibration, training
   * distributions); {@code monitoring} may be null for a bundle without one.
   */
  public DigitClassifier(
      MultiLayerNetwork network, String version, MonitoringReference monitoring) {
    this.network = network;
    this.version = version;
    this.folded = compile(network);
    this.monitoring = monitoring;
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

  /**
   * Loads the bundle's network and checks it before anyone relies on it: a blank image must give
   * ten probabilities, and then a real batch must too. With a {@code reference.json} that batch is
   * the bundle's reference images, whose answers must match the recorded ones ({@link
   * ReferenceBatch#mismatch}); an older bundle without one is given {@value #SYNTHETIC_BATCH}
   * seeded random images, which must give finite probabilities that sum to one. The bundle's {@code
   * monitoring.json}, if it has one, is read too and carried by the classifier.
   *
   * @throws ModelBundleException naming the bundle and the check it failed
   */
  public static DigitClassifier load(ModelBundle bundle) {
    DigitClassifier classifier =
        new DigitClassifier(
            bundle.loadNetwork(), bundle.version(), bundle.monitoring().orElse(null));
    float[][] smoke = classifier.probabilities(List.of(new byte[DigitImage.PIXELS]));
    if (invalidOutput(smoke, 1).isPresent()) {
      throw new ModelBundleException(
          "model " + bundle.directory() + " does not output ten class probabilities");
    }
    Optional<ReferenceBatch> reference = bundle.reference();
    Optional<String> problem =
        reference.isPresent()
            ? reference.get().mismatch(classifier)
            : invalidOutput(classifier.probabilities(syntheticBatch()), SYNTHETIC_BATCH);
    if (problem.isPresent()) {
      throw new ModelBundleException(
          "model "
              + bundle.directory()
              + (reference.isPresent()
                  ? " fails its " + ModelBundle.REFERENCE_FILE + " check: "
                  : " fails on a batch of " + SYNTHETIC_BATCH + " random images: ")
              + problem.get());
    }
    return classifier;
  }

  /** Images in the check of a bundle without a reference batch. */
  public static final int SYNTHETIC_BATCH = 64;

  // Seeded, so every instance checks the same images; ink on a quarter of the pixels.
  private static List<byte[]> syntheticBatch() {
    Random random = new Random(784);
    List<byte[]> images = new ArrayList<>();
    for (int i = 0; i < SYNTHETIC_BATCH; i++) {
      byte[] px = new byte[DigitImage.PIXELS];
      for (int p = 0; p < px.length; p++) {
        px[p] = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : 0;
      }
      images.add(px);
    }
    return images;
  }

  /**
   * Why {@code rows} is not a model's answer for {@code n} images, or empty if it is: {@code n}
   * rows of ten finite probabilities in 0-1 that sum to one.
   */
  public static Optional<String> invalidOutput(float[][] rows, int n) {
    if (rows == null || rows.length != n) {
      return Optional.of(
          "expected " + n + " rows of probabilities, got " + (rows == null ? 0 : rows.length));
    }
    for (int i = 0; i < n; i++) {
      float[] row = rows[i];
      if (row == null || row.length != 10) {
        return Optional.of(
            "row " + i + " has " + (row == null ? 0 : row.length) + " values, expected 10");
      }
      double sum = 0;
      for (float p : row) {
        if (!Float.isFinite(p) || p < -1e-6f || p > 1 + 1e-6f) {
          return Optional.of("image " + i + " got probability " + p);
        }
        sum += p;
      }
      if (Math.abs(sum - 1) > 1e-3) {
        return Optional.of("the probabilities of image " + i + " sum to " + sum);
      }
    }
    return Optional.empty();
  }

  public String version() {
    return version;
  }

  public MultiLayerNetwork network() {
    return network;
  }

  /**
   * The bundle's monitoring reference: its temperature and training distributions; empty for a
   * bundle without {@code monitoring.json}. Immutable, so copies share it.
   */
  public Optional<MonitoringReference> monitoring() {
    return Optional.ofNullable(monitoring);
  }

  /**
   * An independent classifier with the same weights and monitoring reference, for another thread.
   */
  public DigitClassifier copy() {
    return new DigitClassifier(network.clone(), version, monitoring);
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
