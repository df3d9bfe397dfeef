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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code digitstream explain}: PNGs of what the network sees in images, layer by layer. A file that
 * cannot be drawn gets one line on stderr and the others are still drawn.
 */
@Command(
    name = "explain",
    description =
        "Draw what the network sees: input, normalised input, filters, feature maps, pooled maps; plus dataset samples and class counts.",
    mixinStandardHelpOptions = true,
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every file drawn",
      "1:at least one file not drawn (each named on stderr)",
      "2:bad usage or an unusable model"
    })
final class ExplainCommand implements Callable<Integer> {
  @Mixin ModelOption model;

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

  @Option(names = "--verbose", description = "Print the stack trace of each failure.")
  boolean verbose;

  @Parameters(
      arity = "1..*",
      paramLabel = "FILE",
      description =
          "Image files of one digit each, or directories to search for them. One file is drawn"
              + " in --out itself, several each in a directory of --out named after the file.")
  List<Path> files;

  @Override
  public Integer call() throws Exception {
    ModelBundle bundle = ModelBundle.open(model.directory);
    DigitClassifier classifier = DigitClassifier.load(bundle);
    Files.createDirectories(out);
    FileFailures failures = new FileFailures(System.err, verbose);
    List<Path> inputs = ImageArguments.expand(files, failures::report);
    Set<String> used = new HashSet<>();
    int answered = 0;
    int picture = 0;
    for (Path file : inputs) {
      Path dir = inputs.size() == 1 ? out : out.resolve(uniqueName(file, used));
      try {
        picture = explain(classifier, file, dir);
        answered++;
      } catch (RuntimeException | OutOfMemoryError e) {
        // One file never stops the others: bad input and our own bugs alike are reported per file.
        failures.report(file, e);
      }
    }
    if (answered > 0) {
      datasetPictures(picture);
    }
    failures.summarise(answered);
    return failures.exitCode();
  }

  /** Draws what the network sees in one file into {@code dir}; returns the next picture number. */
  private int explain(DigitClassifier classifier, Path file, Path dir) throws IOException {
    MultiLayerNetwork network = classifier.network();
    BufferedImage original = ImageFiles.read(file);
    byte[] pixels = MnistPreprocessor.process(original, file);
    Files.createDirectories(dir);
    List<Path> written = new ArrayList<>();
    written.add(save(dir, scaledCopy(original, 280), "1-input.png"));
    written.add(
        save(
            dir,
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
        written.add(save(dir, filters(layers[i]), "3-filters-layer" + i + ".png"));
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
                dir,
                maps(activations.get(j + 1), "Conv layer " + convIndex + " feature maps" + after),
                (picture++) + "-conv" + convIndex + "-maps.png"));
      } else if (layers[i] instanceof SubsamplingLayer) {
        poolIndex++;
        written.add(
            save(
                dir,
                maps(activations.get(i + 1), "Max-pooled maps " + poolIndex),
                (picture++) + "-pool" + poolIndex + "-maps.png"));
      }
    }

    var c = classifier.classify(pixels);
    System.out.printf("%s: the network says %d (%.4f)%n", file, c.digit(), c.probability());
    written.forEach(p -> System.out.println("wrote " + p));
    return picture;
  }

  /** The training set's samples and class counts, once per run, numbered after the maps. */
  private void datasetPictures(int picture) throws IOException {
    try {
      MnistDataset train = MnistDataset.load(data, MnistDataset.Split.TRAIN);
      List<Path> written = new ArrayList<>();
      written.add(save(out, samples(train), (picture++) + "-dataset-samples.png"));
      long[] counts = new long[10];
      for (int i = 0; i < train.size(); i++) {
        counts[train.label(i)]++;
      }
      String[] labels = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
      written.add(
          save(
              out,
              Pictures.barChart("Training images per digit (" + train.size() + ")", labels, counts),
              picture + "-class-counts.png"));
      written.forEach(p -> System.out.println("wrote " + p));
    } catch (IdxFormatException e) {
      System.err.println("Skipping the dataset pictures: " + e.getMessage());
    }
  }

  /** The file's name, with -2, -3 ... when another input of the run has the same name. */
  private static String uniqueName(Path file, Set<String> used) {
    String name = String.valueOf(file.getFileName());
    String unique = name;
    for (int n = 2; !used.add(unique); n++) {
      unique = name + "-" + n;
    }
    return unique;
  }

  private static Path save(Path dir, BufferedImage image, String name) throws IOException {
    Path p = dir.resolve(name);
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
