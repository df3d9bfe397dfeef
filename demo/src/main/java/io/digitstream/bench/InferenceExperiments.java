package io.digitstream.bench;

import io.digitstream.image.MnistDataset;
import io.digitstream.image.Pixels;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.FoldedNetwork;
import io.digitstream.model.Matrices;
import io.digitstream.model.ModelBundle;
import io.digitstream.record.DigitImage;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.deeplearning4j.config.DL4JSystemProperties;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The inference-speed investigation behind {@code docs/benchmarks.md}, "Where the time goes": a
 * per-layer and per-op profile of one batched forward pass, and experiments that each compare a
 * variant with the baseline in the same run. Variants are measured in interleaved rounds (A, B, C,
 * A, B, C, ...) so that load from other processes hits all of them alike.
 */
@Command(
    name = "inference-experiments",
    mixinStandardHelpOptions = true,
    description = "Profile the forward pass and compare inference variants against the baseline.")
public final class InferenceExperiments implements Callable<Integer> {
  /** Sections in the order they run. */
  enum Section {
    ACCURACY,
    HELPERS,
    PROFILE,
    OUTPUT,
    CONVERSION,
    LAYOUT,
    ARCH,
    LOOP
  }

  @Option(
      names = "--model",
      defaultValue = "models/default",
      description = "Model bundle directory (default: ${DEFAULT-VALUE}).")
  Path model;

  @Option(
      names = "--data",
      defaultValue = "data/mnist",
      description = "MNIST directory for ACCURACY (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(
      names = "--sections",
      split = ",",
      defaultValue = "ACCURACY,HELPERS,PROFILE,OUTPUT,CONVERSION,LAYOUT,ARCH",
      description =
          "Sections to run: ${COMPLETION-CANDIDATES}; LOOP only scores for --seconds, for an"
              + " external profiler (default: ${DEFAULT-VALUE}).")
  List<Section> sections;

  @Option(
      names = "--batch-sizes",
      split = ",",
      defaultValue = "32,256",
      description = "Batch sizes for the comparisons (default: ${DEFAULT-VALUE}).")
  List<Integer> batchSizes;

  @Option(
      names = "--seconds",
      defaultValue = "1.0",
      description =
          "Window per variant and round; LOOP: total seconds (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(
      names = "--rounds",
      defaultValue = "5",
      description = "Interleaved rounds; medians are reported (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--engine",
      defaultValue = "dl4j",
      description = "LOOP only: dl4j, folded or folded-nhwc (default: ${DEFAULT-VALUE}).")
  String engine;

  private final PrintStream out = System.out;

  public static void main(String[] args) {
    System.exit(
        new CommandLine(new InferenceExperiments())
            .setCaseInsensitiveEnumValuesAllowed(true)
            .execute(args));
  }

  @Override
  public Integer call() throws Exception {
    out.println(
        "# digitstream inference experiments, " + Instant.now().truncatedTo(ChronoUnit.SECONDS));
    MachineInfo.probe().lines().forEach(out::println);
    DigitClassifier classifier = DigitClassifier.load(ModelBundle.open(model));
    out.println(MachineInfo.line("Model", model + ", version " + classifier.version()));
    Measurements.window(
        classifier::layerOutput, ModelBenchmark.randomImages(64), 64, 2_000_000_000L);
    for (Section s : sections) {
      out.println();
      switch (s) {
        case ACCURACY -> accuracy(classifier);
        case HELPERS -> helpers(classifier);
        case PROFILE -> profile(classifier);
        case OUTPUT -> outputVariants(classifier);
        case CONVERSION -> conversion(classifier);
        case LAYOUT -> layout();
        case ARCH -> architectures();
        case LOOP -> loop(classifier);
      }
    }
    return 0;
  }

  private long window() {
    return (long) (seconds * 1e9);
  }

  /** The folded engines must classify the MNIST test set exactly as the DL4J network does. */
  private void accuracy(DigitClassifier classifier) throws IOException {
    MnistDataset test = MnistDataset.load(data, MnistDataset.Split.TEST);
    List<Variant> engines =
        List.of(
            new Variant("DL4J", classifier::layerOutput),
            new Variant(
                "folded NCHW",
                FoldedNetwork.compile(classifier.network(), 1, 28, 28, CNN2DFormat.NCHW)::output),
            new Variant(
                "folded NHWC",
                FoldedNetwork.compile(classifier.network(), 1, 28, 28, CNN2DFormat.NHWC)::output));
    int batch = 250;
    int[][] predicted = new int[engines.size()][test.size()];
    double[] maxDelta = new double[engines.size()];
    for (int start = 0; start < test.size(); start += batch) {
      int n = Math.min(batch, test.size() - start);
      float[] input = new float[n * DigitImage.PIXELS];
      for (int i = 0; i < n; i++) {
        Pixels.normalise(test.image(start + i), input, i * DigitImage.PIXELS);
      }
      float[][] reference = engines.get(0).scorer().score(input, n);
      for (int e = 0; e < engines.size(); e++) {
        float[][] p = e == 0 ? reference : engines.get(e).scorer().score(input, n);
        for (int i = 0; i < n; i++) {
          predicted[e][start + i] = DigitClassifier.Classification.of(p[i]).digit();
          for (int d = 0; d < p[i].length; d++) {
            maxDelta[e] = Math.max(maxDelta[e], Math.abs(p[i][d] - reference[i][d]));
          }
        }
      }
    }
    out.println("## MNIST test set (" + test.size() + " images) per engine");
    out.println("| engine | accuracy | predictions differing from DL4J | max abs Δp |");
    out.println("|---|---:|---:|---:|");
    for (int e = 0; e < engines.size(); e++) {
      int correct = 0;
      int differ = 0;
      for (int i = 0; i < test.size(); i++) {
        correct += predicted[e][i] == test.label(i) ? 1 : 0;
        differ += predicted[e][i] != predicted[0][i] ? 1 : 0;
      }
      out.printf(
          Locale.ROOT,
          "| %s | %.4f | %d | %.2e |%n",
          engines.get(e).name(),
          correct / (double) test.size(),
          differ,
          maxDelta[e]);
    }
  }

  /** Whether DL4J's oneDNN layer helpers can engage, and why not. */
  private void helpers(DigitClassifier classifier) {
    out.println("## DL4J layer helpers (the oneDNN path of ConvolutionLayer, pooling, BN)");
    String property = DL4JSystemProperties.DISABLE_HELPER_PROPERTY;
    out.println(
        property
            + " = "
            + System.getProperty(
                property, "unset, default " + DL4JSystemProperties.HELPER_DISABLE_DEFAULT_VALUE));
    out.println("BaseMKLDNNHelper.mklDnnEnabled() = " + BaseMKLDNNHelper.mklDnnEnabled());
    // BaseMKLDNNHelper looks the native environment up by reflection, by its pre-M2 names.
    String probed = "org.nd4j.nativeblas.Nd4jCpu$Environment";
    out.println("class " + probed + ": " + (classExists(probed) ? "exists" : "MISSING"));
    Class<?> env = Nd4jCpu.Environment.class;
    out.println(
        env.getName()
            + ": isUseMKLDNN "
            + (hasMethod(env, "isUseMKLDNN") ? "exists" : "MISSING")
            + ", isUseONEDNN "
            + (hasMethod(env, "isUseONEDNN") ? "exists" : "missing"));
    out.println("conv layer helper, default:  " + convHelper(classifier.network()));
    String before = System.getProperty(property);
    System.setProperty(property, "false");
    try {
      // Helpers are chosen when layers are created, so the property must precede the clone.
      MultiLayerNetwork enabled = classifier.network().clone();
      out.println("conv layer helper, " + property + "=false: " + convHelper(enabled));
      if (convHelperObject(enabled) != null) {
        compare(
            "helpers enabled vs default",
            List.of(
                new Variant("default", classifier::layerOutput),
                new Variant("helpers on", new DigitClassifier(enabled, "h")::layerOutput)));
      }
    } finally {
      if (before == null) {
        System.clearProperty(property);
      } else {
        System.setProperty(property, before);
      }
    }
  }

  private static boolean classExists(String name) {
    try {
      Class.forName(name);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private static boolean hasMethod(Class<?> c, String name) {
    return Arrays.stream(c.getMethods()).map(Method::getName).anyMatch(name::equals);
  }

  private static Object convHelperObject(MultiLayerNetwork network) {
    for (Layer l : network.getLayers()) {
      if (l instanceof ConvolutionLayer c) {
        return c.getHelper();
      }
    }
    return null;
  }

  private static String convHelper(MultiLayerNetwork network) {
    Object h = convHelperObject(network);
    return h == null ? "none (built-in im2col + gemm in Java)" : h.getClass().getSimpleName();
  }

  /** Per-layer time of DL4J's forward pass, per-step time of the folded one, op counts. */
  private void profile(DigitClassifier classifier) {
    MultiLayerNetwork network = classifier.network();
    FoldedNetwork folded = FoldedNetwork.compile(network, 1, 28, 28, CNN2DFormat.NCHW);
    FoldedNetwork foldedNhwc = FoldedNetwork.compile(network, 1, 28, 28, CNN2DFormat.NHWC);
    for (int batch : batchSizes) {
      INDArray input =
          Nd4j.create(ModelBenchmark.randomImages(batch), new long[] {batch, 1, 28, 28}, 'c');
      out.println("## Profile, batch " + batch + ", 1 thread");
      layerProfile(network, input, batch);
      foldedProfile(folded, input, batch);
      // One grey channel: the same floats are the NHWC input.
      foldedProfile(foldedNhwc, input.reshape('c', batch, 28, 28, 1), batch);
      opProfile(network, folded, input);
    }
  }

  private void layerProfile(MultiLayerNetwork network, INDArray input, int batch) {
    int layers = network.getnLayers();
    long[] nanos = new long[layers];
    long[] preNanos = new long[layers];
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    network.setInputMiniBatchSize(batch);
    int reps = 0;
    long end = System.nanoTime() + 2 * window();
    long outputNanos = 0;
    while (System.nanoTime() < end || reps < 5) {
      INDArray x = input;
      for (int i = 0; i < layers; i++) {
        InputPreProcessor pre = network.getLayerWiseConfigurations().getInputPreProcess(i);
        if (pre != null) {
          long t0 = System.nanoTime();
          x = pre.preProcess(x, batch, mgr);
          preNanos[i] += System.nanoTime() - t0;
        }
        long t0 = System.nanoTime();
        x = network.getLayer(i).activate(x, false, mgr);
        nanos[i] += System.nanoTime() - t0;
      }
      long t0 = System.nanoTime();
      network.output(input, false).close();
      outputNanos += System.nanoTime() - t0;
      reps++;
    }
    long total = Arrays.stream(nanos).sum() + Arrays.stream(preNanos).sum();
    List<FlopCounter.LayerFlops> flops =
        FlopCounter.perLayer(
            network.getLayerWiseConfigurations(), InputType.convolutional(28, 28, 1));
    out.println("DL4J layer by layer (Layer.activate, no workspaces), " + reps + " passes:");
    out.println("| layer | output | ms/batch | share | GFLOPS |");
    out.println("|---|---|---:|---:|---:|");
    for (int i = 0; i < layers; i++) {
      if (preNanos[i] > 0) {
        out.printf(
            Locale.ROOT,
            "| %s | | %.3f | %.1f %% | |%n",
            "  preprocessor "
                + network
                    .getLayerWiseConfigurations()
                    .getInputPreProcess(i)
                    .getClass()
                    .getSimpleName(),
            preNanos[i] / 1e6 / reps,
            100.0 * preNanos[i] / total);
      }
      FlopCounter.LayerFlops f = flops.get(i);
      out.printf(
          Locale.ROOT,
          "| %d %s | %s | %.3f | %.1f %% | %s |%n",
          i,
          f.kind(),
          f.output(),
          nanos[i] / 1e6 / reps,
          100.0 * nanos[i] / total,
          f.flops() == 0
              ? ""
              : String.format(Locale.ROOT, "%.1f", f.flops() * (double) batch * reps / nanos[i]));
    }
    out.printf(
        Locale.ROOT,
        "sum %.3f ms/batch; network.output() on the same input %.3f ms/batch%n",
        total / 1e6 / reps,
        outputNanos / 1e6 / reps);
  }

  private void foldedProfile(FoldedNetwork folded, INDArray input, int batch) {
    List<String> names = folded.describe();
    long[] nanos = new long[names.size()];
    int reps = 0;
    long end = System.nanoTime() + window();
    while (System.nanoTime() < end || reps < 5) {
      folded.forwardTimed(input, nanos);
      reps++;
    }
    long total = Arrays.stream(nanos).sum();
    out.println("Folded network (" + folded.layout() + ") step by step, " + reps + " passes:");
    out.println("| step | ms/batch | share |");
    out.println("|---|---:|---:|");
    for (int i = 0; i < names.size(); i++) {
      out.printf(
          Locale.ROOT,
          "| %s | %.3f | %.1f %% |%n",
          names.get(i),
          nanos[i] / 1e6 / reps,
          100.0 * nanos[i] / total);
    }
    out.printf(Locale.ROOT, "sum %.3f ms/batch%n", total / 1e6 / reps);
  }

  /** ND4J's op profiler: how many native ops one forward pass issues, and their time by class. */
  private void opProfile(MultiLayerNetwork network, FoldedNetwork folded, INDArray input) {
    OpProfiler profiler = OpProfiler.getInstance();
    ProfilerConfig defaults = ProfilerConfig.builder().build();
    int passes = 20;
    for (boolean dl4j : new boolean[] {true, false}) {
      profiler.reset();
      Nd4j.getExecutioner()
          .setProfilingConfig(ProfilerConfig.builder().checkElapsedTime(true).build());
      for (int i = 0; i < passes; i++) {
        if (dl4j) {
          network.output(input, false).close();
        } else {
          folded.forward(input);
        }
      }
      Nd4j.getExecutioner().setProfilingConfig(defaults);
      out.printf(
          Locale.ROOT,
          "%s: %d native op calls per forward pass; time by op class:%n",
          dl4j ? "DL4J network.output" : "Folded network",
          profiler.getInvocationsCount() / passes);
      for (String line : profiler.getClassAggergator().asPercentageString().split("\n")) {
        if (!line.isBlank()) {
          out.println("    " + line.trim());
        }
      }
    }
    profiler.reset();
  }

  /** Ways of calling the same network: what the classifier wraps around network.output. */
  private void outputVariants(DigitClassifier classifier) {
    MultiLayerNetwork network = classifier.network();
    MultiLayerNetwork noWorkspaces = network.clone();
    noWorkspaces.getLayerWiseConfigurations().setInferenceWorkspaceMode(WorkspaceMode.NONE);
    FoldedNetwork folded = FoldedNetwork.compile(network, 1, 28, 28, CNN2DFormat.NCHW);
    FoldedNetwork foldedNhwc = FoldedNetwork.compile(network, 1, 28, 28, CNN2DFormat.NHWC);
    ProfilerConfig noChecks = ProfilerConfig.builder().checkWorkspaces(false).build();
    ProfilerConfig defaults = ProfilerConfig.builder().build();
    List<Variant> variants =
        List.of(
            new Variant("classifier.output (baseline)", classifier::layerOutput),
            new Variant(
                "network.output only (input prebuilt, result not copied)",
                new PrebuiltInput(in -> network.output(in, false))),
            new Variant(
                "output into a workspace (no detach copy)",
                (in, n) -> {
                  INDArray x = Nd4j.create(in, new long[] {n, 1, 28, 28}, 'c');
                  try (MemoryWorkspace ws =
                      Nd4j.getWorkspaceManager().getAndActivateWorkspace("bench-output")) {
                    return network.output(x, false, ws).toFloatMatrix();
                  }
                }),
            new Variant(
                "inference workspace mode NONE",
                new DigitClassifier(noWorkspaces, "none")::layerOutput),
            new Variant(
                "profiler checkWorkspaces off",
                (in, n) -> {
                  Nd4j.getExecutioner().setProfilingConfig(noChecks);
                  try {
                    return classifier.layerOutput(in, n);
                  } finally {
                    Nd4j.getExecutioner().setProfilingConfig(defaults);
                  }
                }),
            new Variant(
                "classifier.output with a bulk result copy",
                (in, n) -> {
                  INDArray x = Nd4j.create(in, new long[] {n, 1, 28, 28}, 'c');
                  INDArray y = network.output(x, false);
                  float[][] rows = Matrices.rows(y);
                  x.close();
                  y.close();
                  return rows;
                }),
            new Variant("folded NCHW", folded::output),
            new Variant("folded NHWC", foldedNhwc::output));
    out.printf(
        Locale.ROOT,
        "Folded vs DL4J agreement: NCHW %.2e, NHWC %.2e (max |Δp| over 256 images)%n",
        ModelBenchmark.maxDifference(
            folded::output, classifier::layerOutput, ModelBenchmark.randomImages(256), 256),
        ModelBenchmark.maxDifference(
            foldedNhwc::output, classifier::layerOutput, ModelBenchmark.randomImages(256), 256));
    compare("Output variants, trained model, 1 thread", variants);
  }

  /** The cost of our own conversions around the network, per batch. */
  private void conversion(DigitClassifier classifier) {
    out.println("## Conversions around network.output, median µs per batch");
    out.println(
        "| batch | bytes → float[] | Nd4j.create(float[]) | network.output | toFloatMatrix |"
            + " bulk copy (Matrices.rows) |");
    out.println("|---:|---:|---:|---:|---:|---:|");
    for (int batch : batchSizes) {
      List<byte[]> images = new ArrayList<>();
      Random r = new Random(1);
      for (int i = 0; i < batch; i++) {
        byte[] px = new byte[DigitImage.PIXELS];
        r.nextBytes(px);
        images.add(px);
      }
      float[] normalised = ModelBenchmark.randomImages(batch);
      INDArray in = Nd4j.create(normalised, new long[] {batch, 1, 28, 28}, 'c');
      INDArray result = classifier.network().output(in, false);
      int reps = batch >= 128 ? 200 : 1000;
      double toFloat =
          Measurements.medianNanos(
              () -> {
                float[] f = new float[images.size() * DigitImage.PIXELS];
                for (int i = 0; i < images.size(); i++) {
                  Pixels.normalise(images.get(i), f, i * DigitImage.PIXELS);
                }
                return (long) f[f.length - 1];
              },
              reps);
      double create =
          Measurements.medianNanos(
              () -> {
                INDArray a = Nd4j.create(normalised, new long[] {batch, 1, 28, 28}, 'c');
                long l = a.length();
                a.close();
                return l;
              },
              reps);
      double output =
          Measurements.medianNanos(
              () -> {
                INDArray o = classifier.network().output(in, false);
                long l = o.length();
                o.close();
                return l;
              },
              Math.max(20, reps / 10));
      double matrix = Measurements.medianNanos(() -> (long) result.toFloatMatrix()[0][0], reps);
      double bulk = Measurements.medianNanos(() -> (long) Matrices.rows(result)[0][0], reps);
      out.printf(
          Locale.ROOT,
          "| %d | %.1f | %.1f | %.1f | %.1f | %.1f |%n",
          batch,
          toFloat / 1e3,
          create / 1e3,
          output / 1e3,
          matrix / 1e3,
          bulk / 1e3);
    }
  }

  /** The same network in NCHW and NHWC, random weights, DL4J and folded. */
  private void layout() {
    MultiLayerNetwork nchw = CandidateArchitecture.LENET_BN.randomNetwork(CNN2DFormat.NCHW);
    MultiLayerNetwork nhwc = CandidateArchitecture.LENET_BN.randomNetwork(CNN2DFormat.NHWC);
    FoldedNetwork foldedNchw = FoldedNetwork.compile(nchw, 1, 28, 28, CNN2DFormat.NCHW);
    FoldedNetwork foldedNhwc = FoldedNetwork.compile(nhwc, 1, 28, 28, CNN2DFormat.NHWC);
    out.printf(
        Locale.ROOT,
        "NHWC folded vs NHWC DL4J agreement: %.2e%n",
        ModelBenchmark.maxDifference(
            foldedNhwc::output,
            nhwcInput(new DigitClassifier(nhwc, "nhwc")),
            ModelBenchmark.randomImages(64),
            64));
    compare(
        "Layout, lenet-bn with random weights, 1 thread",
        List.of(
            new Variant("DL4J NCHW", new DigitClassifier(nchw, "nchw")::output),
            new Variant("DL4J NHWC", nhwcInput(new DigitClassifier(nhwc, "nhwc"))),
            new Variant("folded NCHW", foldedNchw::output),
            new Variant("folded NHWC", foldedNhwc::output)));
  }

  /** One grey channel: NCHW floats are already NHWC, only the declared shape differs. */
  private static Scorer nhwcInput(DigitClassifier classifier) {
    MultiLayerNetwork network = classifier.network();
    return (in, n) -> {
      INDArray x = Nd4j.create(in, new long[] {n, 28, 28, 1}, 'c');
      INDArray y = network.output(x, false);
      float[][] rows = y.toFloatMatrix();
      x.close();
      y.close();
      return rows;
    };
  }

  /** Leaner shapes, random weights: DL4J and the folded engine in NHWC, its fastest layout. */
  private void architectures() {
    InputType mnist = InputType.convolutional(28, 28, 1);
    List<Variant> variants = new ArrayList<>();
    out.println("## Architectures (random weights)");
    out.println("| name | layers | parameters | MFLOPs/image |");
    out.println("|---|---|---:|---:|");
    for (CandidateArchitecture a : CandidateArchitecture.values()) {
      MultiLayerNetwork net = a.randomNetwork(CNN2DFormat.NCHW);
      out.printf(
          Locale.ROOT,
          "| %s | %s | %,d | %.2f |%n",
          a.cliName(),
          a.shape(),
          net.numParams(),
          FlopCounter.total(net.getLayerWiseConfigurations(), mnist) / 1e6);
      variants.add(
          new Variant(a.cliName() + " DL4J", new DigitClassifier(net, a.cliName())::output));
      try {
        variants.add(
            new Variant(
                a.cliName() + " folded NHWC",
                FoldedNetwork.compile(net, 1, 28, 28, CNN2DFormat.NHWC)::output));
      } catch (IllegalArgumentException e) {
        out.println("  (" + a.cliName() + ": no folded engine: " + e.getMessage() + ")");
      }
    }
    compare("Architectures, 1 thread", variants);
  }

  /** Scores for --seconds with one engine, for perf or JFR attached from outside. */
  private void loop(DigitClassifier classifier) {
    Scorer scorer =
        switch (engine) {
          case "folded" ->
              FoldedNetwork.compile(classifier.network(), 1, 28, 28, CNN2DFormat.NCHW)::output;
          case "folded-nhwc" ->
              FoldedNetwork.compile(classifier.network(), 1, 28, 28, CNN2DFormat.NHWC)::output;
          default -> classifier::layerOutput;
        };
    int batch = batchSizes.get(batchSizes.size() - 1);
    out.printf(
        Locale.ROOT,
        "## Loop: %s, batch %d, %.0f s: %,.0f img/s%n",
        engine,
        batch,
        seconds,
        Measurements.window(scorer, ModelBenchmark.randomImages(batch), batch, window()));
  }

  /** A named way of scoring. */
  private record Variant(String name, Scorer scorer) {}

  /** Builds the INDArray once outside the timed call, to time network.output alone. */
  private static final class PrebuiltInput implements Scorer {
    private final Function<INDArray, INDArray> call;
    private INDArray input;

    PrebuiltInput(Function<INDArray, INDArray> call) {
      this.call = call;
    }

    @Override
    public float[][] score(float[] normalised, int n) {
      if (input == null || input.size(0) != n) {
        input = Nd4j.create(normalised, new long[] {n, 1, 28, 28}, 'c');
      }
      INDArray result = call.apply(input);
      float[][] first = {{result.getFloat(0, 0)}};
      result.close();
      return first;
    }
  }

  /** Interleaved rounds of every variant per batch size; prints medians and ratios to the first. */
  private void compare(String title, List<Variant> variants) {
    out.println("## " + title);
    StringBuilder header = new StringBuilder("| variant |");
    StringBuilder rule = new StringBuilder("|---|");
    for (int batch : batchSizes) {
      header.append(" batch ").append(batch).append(" img/s | × |");
      rule.append("---:|---:|");
    }
    out.println(header);
    out.println(rule);
    double[][] medians = new double[variants.size()][batchSizes.size()];
    double[][] spreads = new double[variants.size()][batchSizes.size()];
    double[] others = new double[batchSizes.size()];
    for (int b = 0; b < batchSizes.size(); b++) {
      int batch = batchSizes.get(b);
      Interference interference = Interference.start();
      float[] input = ModelBenchmark.randomImages(batch);
      double[][] r = new double[variants.size()][rounds];
      for (Variant v : variants) {
        Measurements.window(v.scorer(), input, batch, window() / 2);
      }
      for (int round = 0; round < rounds; round++) {
        for (int v = 0; v < variants.size(); v++) {
          r[v][round] = Measurements.window(variants.get(v).scorer(), input, batch, window());
        }
      }
      for (int v = 0; v < variants.size(); v++) {
        Measurements.Rate rate = Measurements.Rate.of(r[v]);
        medians[v][b] = rate.median();
        spreads[v][b] = rate.spreadPercent();
      }
      others[b] = interference.othersCores();
    }
    for (int v = 0; v < variants.size(); v++) {
      StringBuilder line = new StringBuilder("| " + variants.get(v).name() + " |");
      for (int b = 0; b < batchSizes.size(); b++) {
        line.append(
            String.format(
                Locale.ROOT,
                " %,.0f ±%.0f%% | %.2f |",
                medians[v][b],
                spreads[v][b],
                medians[v][b] / medians[0][b]));
      }
      out.println(line);
    }
    out.println(
        "(median of "
            + rounds
            + " interleaved windows of "
            + seconds
            + " s; ± is half the min–max spread; × is relative to the first row; other processes"
            + " used "
            + Arrays.stream(others).mapToObj(o -> String.format(Locale.ROOT, "%.2f", o)).toList()
            + " cores meanwhile)");
  }
}
