package io.digitstream.trainer;

import io.digitstream.image.IdxFormatException;
import io.digitstream.image.ImageFiles;
import io.digitstream.image.MnistDataset;
import io.digitstream.image.MnistPreprocessor;
import io.digitstream.image.Pixels;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.ModelBundle;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code digitstream explain}: PNGs of what the network sees in one image, layer by layer. */
@Command(
    name = "explain",
    description =
        "Draw what the network sees: input, normalised input, filters, feature maps, pooled maps; plus dataset samples and class counts.",
    mixinStandardHelpOptions = true)
final class ExplainCommand implements Callable<Integer> {
  @Option(
      names = {"--model", "-m"},
      defaultValue = "models/default",
      description = "Model bundle (default ${DEFAULT-VALUE}).")
  Path model;

  @Option(
      names = "--out",
      defaultValue = "reports/explain",
      description = "Directory for the PNGs (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--data",
      defaultValue = "data/mnist",
      description = "MNIST directory for the sample grid and class counts (skipped if absent).")
  Path data;

  @Parameters(index = "0", paramLabel = "FILE", description = "An image file of one digit.")
  Path file;

  @Override
  public Integer call() throws Exception {
    ModelBundle bundle = ModelBundle.open(model);
    DigitClassifier classifier = DigitClassifier.load(bundle);
    MultiLayerNetwork network = classifier.network();
    Files.createDirectories(out);
    List<Path> written = new ArrayList<>();

    BufferedImage original = ImageFiles.read(file);
    written.add(save(scaledCopy(original, 280), "1-input.png"));
    byte[] pixels = MnistPreprocessor.fromFile(file);
    written.add(
        save(
            Pictures.grid(
                "Normalised 28x28 input",
                java.util.Collections.singletonList(Pictures.map(pixels, 28)),
                null,
                1,
                10),
            "2-normalised.png"));

    Layer[] layers = network.getLayers();
    for (int i = 0; i < layers.length; i++) {
      if (layers[i] instanceof ConvolutionLayer) {
        written.add(save(filters(layers[i]), "3-filters-layer" + i + ".png"));
        break;
      }
    }

    float[] input = new float[784];
    Pixels.normalise(pixels, input, 0);
    List<INDArray> activations =
        network.feedForward(Nd4j.create(input, new long[] {1, 1, 28, 28}, 'c'), false);
    int convIndex = 0;
    int poolIndex = 0;
    int picture = 4;
    for (int i = 0; i < layers.length; i++) {
      if (layers[i] instanceof ConvolutionLayer) {
        // Show the maps after the normalisation and activation that follow the convolution.
        int j = i;
        String after = "";
        while (j + 1 < layers.length
            && (layers[j + 1] instanceof BatchNormalization
                || layers[j + 1] instanceof ActivationLayer)) {
          j++;
          after = " (after batch norm + activation)";
        }
        convIndex++;
        written.add(
            save(
                maps(activations.get(j + 1), "Conv layer " + convIndex + " feature maps" + after),
                (picture++) + "-conv" + convIndex + "-maps.png"));
      } else if (layers[i] instanceof SubsamplingLayer) {
        poolIndex++;
        written.add(
            save(
                maps(activations.get(i + 1), "Max-pooled maps " + poolIndex),
                (picture++) + "-pool" + poolIndex + "-maps.png"));
      }
    }

    var c = classifier.classify(pixels);
    System.out.printf("%s: the network says %d (%.4f)%n", file, c.digit(), c.probability());
    try {
      MnistDataset train = MnistDataset.load(data, MnistDataset.Split.TRAIN);
      written.add(save(samples(train), (picture++) + "-dataset-samples.png"));
      long[] counts = new long[10];
      for (int i = 0; i < train.size(); i++) {
        counts[train.label(i)]++;
      }
      String[] labels = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
      written.add(
          save(
              Pictures.barChart("Training images per digit (" + train.size() + ")", labels, counts),
              picture + "-class-counts.png"));
    } catch (IdxFormatException e) {
      System.err.println("Skipping the dataset pictures: " + e.getMessage());
    }
    written.forEach(p -> System.out.println("wrote " + p));
    return 0;
  }

  private Path save(BufferedImage image, String name) throws java.io.IOException {
    Path p = out.resolve(name);
    Pictures.write(image, p);
    return p;
  }

  private static BufferedImage filters(Layer conv) {
    INDArray w = conv.getParam("W"); // [out, in, kh, kw]
    long n = w.size(0);
    List<float[][]> maps = new ArrayList<>();
    for (int f = 0; f < n; f++) {
      INDArray k =
          w.get(
              org.nd4j.linalg.indexing.NDArrayIndex.point(f),
              org.nd4j.linalg.indexing.NDArrayIndex.point(0));
      maps.add(k.toFloatMatrix());
    }
    return Pictures.grid(
        "First conv layer: " + n + " filters " + w.size(2) + "x" + w.size(3), maps, null, 10, 12);
  }

  private static BufferedImage maps(INDArray activation, String title) {
    long channels = activation.size(1);
    List<float[][]> maps = new ArrayList<>();
    for (int ch = 0; ch < channels; ch++) {
      maps.add(
          activation
              .get(
                  org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                  org.nd4j.linalg.indexing.NDArrayIndex.point(ch))
              .toFloatMatrix());
    }
    int zoom = Math.max(2, 96 / (int) activation.size(2));
    return Pictures.grid(
        title + ": " + channels + " x " + activation.size(2) + "x" + activation.size(3),
        maps,
        null,
        10,
        zoom);
  }

  private static BufferedImage samples(MnistDataset train) {
    List<float[][]> maps = new ArrayList<>();
    List<String> captions = new ArrayList<>();
    int[] taken = new int[10];
    // Ten of each digit, in data set order, arranged one digit per row.
    List<List<Integer>> perDigit = new ArrayList<>();
    for (int d = 0; d < 10; d++) {
      perDigit.add(new ArrayList<>());
    }
    for (int i = 0; i < train.size() && java.util.Arrays.stream(taken).min().orElse(0) < 10; i++) {
      int d = train.label(i);
      if (taken[d] < 10) {
        perDigit.get(d).add(i);
        taken[d]++;
      }
    }
    for (List<Integer> row : perDigit) {
      for (int i : row) {
        maps.add(Pictures.map(train.image(i), 28));
        captions.add("#" + i);
      }
    }
    return Pictures.grid("MNIST training samples, ten per digit", maps, captions, 10, 2);
  }

  private static BufferedImage scaledCopy(BufferedImage src, int maxSide) {
    double f = Math.min(1.0 * maxSide / src.getWidth(), 1.0 * maxSide / src.getHeight());
    int w = Math.max(1, (int) Math.round(src.getWidth() * f));
    int h = Math.max(1, (int) Math.round(src.getHeight() * f));
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.setColor(java.awt.Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.drawImage(src, 0, 0, w, h, null);
    g.dispose();
    return out;
  }
}
