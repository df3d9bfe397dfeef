package io.digitstream.bench;

import io.digitstream.model.DigitClassifier;
import io.digitstream.model.FoldedNetwork;
import io.digitstream.model.ModelBundle;
import io.digitstream.record.DigitImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The bare-model benchmark: how many images per second one model scores per batch size, on one
 * thread and on several threads that each own a copy (the way the streams app uses the cores),
 * batch-1 latency, and how the achieved GFLOPS compare with the machine's own sgemm. Prints the
 * machine first, so a table is never separated from where it was measured.
 *
 * <p>Run with {@code OMP_NUM_THREADS=1}, as the streams app does; see {@code docs/benchmarks.md}.
 */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    description = "Measure the bare model: images/s per batch size and threads, latency, GFLOPS.")
public final class ModelBenchmark implements Callable<Integer> {
  private static final long SEED = 20261122L;

  @Option(
      names = "--model",
      defaultValue = "models/default",
      description = "Model bundle directory (default: ${DEFAULT-VALUE}).")
  Path model;

  @Option(
      names = "--engine",
      defaultValue = "dl4j",
      description =
          "dl4j: DigitClassifier.output (MultiLayerNetwork.output); folded: FoldedNetwork, NCHW;"
              + " folded-nhwc: FoldedNetwork run in NHWC (default: ${DEFAULT-VALUE}).")
  String engine;

  @Option(
      names = "--batch-sizes",
      split = ",",
      defaultValue = "1,8,32,64,128,256,512",
      description = "Batch sizes to measure (default: ${DEFAULT-VALUE}).")
  List<Integer> batchSizes;

  @Option(
      names = "--threads",
      defaultValue = "2",
      description = "Threads for the parallel figure, each with its own model copy (default: 2).")
  int threads;

  @Option(
      names = "--seconds",
      defaultValue = "1.0",
      description = "Length of one measurement window (default: ${DEFAULT-VALUE} s).")
  double seconds;

  @Option(
      names = "--rounds",
      defaultValue = "3",
      description = "Windows per figure; the median is reported (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--retries",
      defaultValue = "2",
      description =
          "Re-measure a row up to this many times while other processes used more than"
              + " --max-others cores, keeping the quietest attempt (default: ${DEFAULT-VALUE}).")
  int retries;

  @Option(
      names = "--max-others",
      defaultValue = "0.1",
      description =
          "Cores other processes may use during a row before it is retried (default:"
              + " ${DEFAULT-VALUE}).")
  double maxOthers;

  @Option(names = "--skip-sgemm", description = "Do not measure sgemm (ratios are not printed).")
  boolean skipSgemm;

  private final PrintStream out = System.out;

  public static void main(String[] args) {
    System.exit(new CommandLine(new ModelBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    long window = (long) (seconds * 1e9);
    out.println(
        "# digitstream bare-model benchmark, " + Instant.now().truncatedTo(ChronoUnit.SECONDS));
    MachineInfo.probe().lines().forEach(out::println);

    ModelBundle bundle = ModelBundle.open(model);
    List<DigitClassifier> classifiers = new ArrayList<>();
    classifiers.add(DigitClassifier.load(bundle));
    for (int t = 1; t < threads; t++) {
      classifiers.add(classifiers.get(0).copy());
    }
    long flops =
        FlopCounter.total(
            classifiers.get(0).network().getLayerWiseConfigurations(),
            InputType.convolutional(DigitImage.SIDE, DigitImage.SIDE, 1));
    out.printf(
        Locale.ROOT,
        "Model:             %s, %s, version %s, %,d parameters, test accuracy %s%n",
        model,
        bundle.metadata().architecture(),
        bundle.version(),
        classifiers.get(0).network().numParams(),
        bundle.metadata().testAccuracy());
    out.printf(
        Locale.ROOT,
        "FLOPs/image:       %,d (2 per multiply-accumulate of conv and dense layers)%n",
        flops);
    List<Scorer> scorers = new ArrayList<>();
    for (DigitClassifier c : classifiers) {
      scorers.add(scorer(c));
    }
    out.println(MachineInfo.line("Engine", engine));

    if (!engine.equals("dl4j")) {
      out.printf(
          Locale.ROOT,
          "Agreement:         max |p - p(dl4j)| = %.2e over 256 random images%n",
          maxDifference(scorers.get(0), classifiers.get(0)::layerOutput, randomImages(256), 256));
    }

    Sgemm sgemm = skipSgemm ? null : sgemm(window);

    // JIT and native caches warm on a mid-size batch before anything is recorded.
    Measurements.window(scorers.get(0), randomImages(64), 64, 3 * window);
    out.println();
    out.printf(
        Locale.ROOT,
        "| batch | 1 thread img/s | GFLOPS | of 1-thread sgemm | %d threads img/s | GFLOPS"
            + " | of %d-thread sgemm | others' load |%n",
        threads,
        threads);
    out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (int batch : batchSizes) {
      Row row = measureRow(scorers, randomImages(batch), batch, window);
      out.printf(
          Locale.ROOT,
          "| %d | %s | %.1f | %s | %s | %.1f | %s | %.2f |%n",
          batch,
          format(row.one()),
          row.one().median() * flops / 1e9,
          sgemm == null ? "–" : percent(row.one().median() * flops / 1e9, sgemm.single),
          format(row.many()),
          row.many().median() * flops / 1e9,
          sgemm == null ? "–" : percent(row.many().median() * flops / 1e9, sgemm.parallel),
          row.othersCores());
    }
    Interference interference = Interference.start();
    Measurements.Latency latency =
        Measurements.latency(scorers.get(0), randomImages(1), 1, window / 2, 3 * window);
    out.println();
    out.printf(
        Locale.ROOT,
        "Batch-1 latency, 1 thread: p50 %.3f ms, p99 %.3f ms, max %.3f ms (%,d calls;"
            + " others' load %.2f)%n",
        latency.p50(),
        latency.p99(),
        latency.max(),
        latency.calls(),
        interference.othersCores());
    out.printf(
        Locale.ROOT,
        "Memory: peak RSS %s, javacpp off-heap now %,d MB (physical %,d MB)%n",
        peakRss(),
        Pointer.totalBytes() >> 20,
        Pointer.physicalBytes() >> 20);
    out.println(
        "img/s: median of "
            + rounds
            + " windows of "
            + seconds
            + " s (min–max); GFLOPS from the median; others' load: cores used by other"
            + " processes meanwhile (0 = quiet machine; a busier row is re-measured up to "
            + retries
            + " times and the quietest attempt kept).");
    return 0;
  }

  /** One table row: both thread counts, and the CPU other processes took meanwhile. */
  private record Row(Measurements.Rate one, Measurements.Rate many, double othersCores) {}

  /**
   * Measures a row, again while another process disturbed it: on a shared machine a build next door
   * halves a two-thread figure, and the printed others' load keeps what remains visible.
   */
  private Row measureRow(List<Scorer> scorers, float[] input, int batch, long window)
      throws InterruptedException {
    Row best = null;
    for (int attempt = 0; attempt <= retries; attempt++) {
      Interference interference = Interference.start();
      Measurements.Rate one =
          Measurements.throughput(scorers.get(0), input, batch, window / 2, window, rounds);
      Measurements.Rate many =
          Measurements.parallelThroughput(scorers, input, batch, window / 2, window, rounds);
      Row row = new Row(one, many, interference.othersCores());
      if (best == null || row.othersCores() < best.othersCores()) {
        best = row;
      }
      if (!(best.othersCores() > maxOthers)) {
        break;
      }
    }
    return best;
  }

  private Scorer scorer(DigitClassifier classifier) {
    return switch (engine) {
      case "dl4j" -> classifier::layerOutput;
      case "folded" -> compiled(classifier, CNN2DFormat.NCHW)::output;
      case "folded-nhwc" -> compiled(classifier, CNN2DFormat.NHWC)::output;
      default ->
          throw new CommandLine.ParameterException(
              new CommandLine(this),
              "--engine must be dl4j, folded or folded-nhwc, not '" + engine + "'");
    };
  }

  private static FoldedNetwork compiled(DigitClassifier classifier, CNN2DFormat layout) {
    return FoldedNetwork.compile(classifier.network(), 1, DigitImage.SIDE, DigitImage.SIDE, layout);
  }

  /** Best sgemm over 512–1024 with one BLAS thread and with --threads, printed as measured. */
  private record Sgemm(double single, double parallel) {}

  private Sgemm sgemm(long window) {
    double single = 0;
    double parallel = 0;
    StringBuilder line = new StringBuilder("sgemm GFLOPS:     ");
    for (int n : new int[] {512, 768, 1024}) {
      SgemmProbe.Result one = SgemmProbe.measure(n, 1, window / 2);
      SgemmProbe.Result many = SgemmProbe.measure(n, threads, window / 2);
      single = Math.max(single, one.gflops());
      parallel = Math.max(parallel, many.gflops());
      line.append(
          String.format(
              Locale.ROOT,
              " n=%d: %.0f (1 thread) / %.0f (%d threads)",
              n,
              one.gflops(),
              many.gflops(),
              threads));
    }
    out.println(line);
    return new Sgemm(single, parallel);
  }

  /** {@code n} images of random grey levels scaled like real input; speed ignores the values. */
  static float[] randomImages(int n) {
    Random random = new Random(SEED);
    float[] input = new float[n * DigitImage.PIXELS];
    for (int i = 0; i < input.length; i++) {
      input[i] = random.nextInt(256) / 255f;
    }
    return input;
  }

  static double maxDifference(Scorer scorer, Scorer reference, float[] input, int n) {
    float[][] a = scorer.score(input, n);
    float[][] b = reference.score(input, n);
    double max = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < a[i].length; j++) {
        max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
      }
    }
    return max;
  }

  private static String peakRss() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .filter(l -> l.startsWith("VmHWM:"))
          .map(l -> l.substring(6).trim())
          .findFirst()
          .orElse("unknown");
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  private static String format(Measurements.Rate r) {
    return String.format(Locale.ROOT, "%,.0f (%,.0f–%,.0f)", r.median(), r.min(), r.max());
  }

  private static String percent(double gflops, double sgemm) {
    return String.format(Locale.ROOT, "%.0f %%", 100 * gflops / sgemm);
  }
}
