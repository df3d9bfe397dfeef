package io.digitstream.bench;

import io.digitstream.image.IdxFormatException;
import io.digitstream.image.MnistFetch;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.ModelBundle;
import io.digitstream.model.ModelBundleException;
import io.digitstream.record.DigitImage;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.util.Statistics;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code digitstream bench}: in one run, (1) the bare model at its best batch size with one model
 * per core (JMH forks), (2) the end-to-end pipeline sustained for 30 s, (3) latency at half that
 * rate, and the ratio (2)/(1). {@code digitstream bench --micro [JMH options]} runs the JMH
 * micro-benchmarks instead.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmark the bare model, then producer -> Kafka -> streams app -> predictions.",
    footer = {
      "",
      "bench --micro [JMH options] runs the JMH micro-benchmarks instead: BareModelBenchmark (images/s"
          + " per batch size, FoldedNetwork and DL4J's layers, 1 and 2 threads) and SgemmBenchmark"
          + " (GFLOPS); bench --micro -h lists JMH's options."
    })
public final class BenchCommand implements Callable<Integer> {
  private static final int[] CANDIDATE_BATCHES = {32, 64, 128, 256, 512};

  @Option(
      names = "--model",
      defaultValue = "models/default",
      description = "Model bundle (default: ${DEFAULT-VALUE}).")
  Path model;

  @Option(
      names = "--data",
      defaultValue = "data/mnist",
      description = "MNIST directory (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(
      names = "--seconds",
      defaultValue = "30",
      description = "Sustained end-to-end window (default: ${DEFAULT-VALUE} s).")
  int seconds;

  @Option(
      names = "--warmup-seconds",
      defaultValue = "60",
      description =
          "End to end: full load before the sustained window (default: ${DEFAULT-VALUE} s; the"
              + " JIT compilers of broker and app settle within about a minute, docs/benchmarks.md).")
  int warmupSeconds;

  @Option(
      names = "--threads",
      defaultValue = "2",
      description = "Model copies / stream threads (default: ${DEFAULT-VALUE}).")
  int threads;

  private final PrintStream out = System.out;

  /** Entry point of {@code ./digitstream bench}; {@code --micro} first hands the rest to JMH. */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--micro")) {
      MachineInfo.probe().lines().forEach(System.out::println);
      // JMH exits by itself on bad options or a failed benchmark.
      org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
      System.exit(0);
    }
    CommandLine cli = new CommandLine(new BenchCommand());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof IdxFormatException
              || e instanceof ModelBundleException
              || e instanceof IllegalArgumentException) {
            commandLine.getErr().println("error: " + e.getMessage());
            return 2;
          }
          throw e;
        });
    int code = cli.execute(args);
    // Kafka and ND4J leave daemon threads only; exit explicitly so a stray one can never hang us.
    System.exit(code);
  }

  @Override
  public Integer call() throws Exception {
    MnistFetch.ensure(data, System.err); // before the bare-model phase, so a failure is immediate
    MachineInfo.probe().lines().forEach(out::println);
    Bare bare = bareModel();
    EndToEndBenchmark e2e = new EndToEndBenchmark();
    // Parse through picocli so every option not given here keeps its documented default.
    new CommandLine(e2e)
        .parseArgs(
            "--model", model.toString(),
            "--data", data.toString(),
            "--seconds", String.valueOf(seconds),
            "--warmup-seconds", String.valueOf(warmupSeconds),
            "--threads", String.valueOf(threads));
    EndToEndBenchmark.Result r = e2e.run();
    out.println();
    out.println("| figure | value |");
    out.println("|---|---:|");
    out.printf(
        Locale.ROOT,
        "| (1) bare model, best batch (%d), %d threads | %,.0f images/s |%n",
        bare.batch(),
        threads,
        bare.imagesPerSecond());
    out.printf(
        Locale.ROOT,
        "| (1) achieved / machine sgemm, %d threads | %.0f / %.0f GFLOPS (%.0f %%) |%n",
        threads,
        bare.gflops(),
        bare.sgemmGflops(),
        100 * bare.gflops() / bare.sgemmGflops());
    out.printf(
        Locale.ROOT,
        "| (2) end to end, sustained %.0f s | %,.0f images/s |%n",
        r.windowSeconds(),
        r.imagesPerSecond());
    out.printf(Locale.ROOT, "| (2)/(1) | %.2f |%n", r.imagesPerSecond() / bare.imagesPerSecond());
    out.printf(
        Locale.ROOT,
        "| (3) latency at %,.0f images/s, p50 / p99 | %.1f / %.1f ms |%n",
        r.halfRate(),
        r.p50Millis(),
        r.p99Millis());
    out.printf(Locale.ROOT, "| streams app peak RSS | %,d MiB |%n", r.appPeakRssBytes() >> 20);
    return 0;
  }

  /** The bare model's best rate, its batch size, and its GFLOPS against the machine's sgemm. */
  private record Bare(double imagesPerSecond, int batch, double gflops, double sgemmGflops) {}

  /**
   * Images/s of {@code threads} model copies scoring in parallel at the best batch size: {@link
   * BareModelBenchmark#classifier} and {@link SgemmBenchmark} run by JMH, one fork per batch size,
   * with shorter iterations than their defaults.
   */
  private Bare bareModel() throws RunnerException {
    // Loaded here first, so a bad bundle is reported before any fork starts.
    MultiLayerNetwork network = DigitClassifier.load(ModelBundle.open(model)).network();
    double best = 0;
    int bestBatch = 0;
    out.println("Bare model, one model copy per thread (JMH, BareModelBenchmark.classifier):");
    for (int batch : CANDIDATE_BATCHES) {
      Statistics images =
          jmh(
                  BareModelBenchmark.class,
                  "classifier",
                  Map.of("batch", String.valueOf(batch), "network", model.toString()),
                  TimeValue.seconds(1))
              .getPrimaryResult()
              .getStatistics();
      double median = images.getPercentile(50);
      out.printf(
          Locale.ROOT,
          "  batch %3d: %,8.0f images/s (%,.0f-%,.0f)%n",
          batch,
          median,
          images.getMin(),
          images.getMax());
      if (median > best) {
        best = median;
        bestBatch = batch;
      }
    }
    long flops =
        FlopCounter.total(
            network.getLayerWiseConfigurations(),
            InputType.convolutional(DigitImage.SIDE, DigitImage.SIDE, 1));
    double gflops = best * flops / 1e9;
    double sgemm = 0;
    for (int n : new int[] {512, 768, 1024}) {
      Statistics multiplies =
          jmh(
                  SgemmBenchmark.class,
                  "sgemm",
                  Map.of("n", String.valueOf(n), "blasThreads", String.valueOf(threads)),
                  TimeValue.milliseconds(500))
              .getPrimaryResult()
              .getStatistics();
      sgemm = Math.max(sgemm, multiplies.getPercentile(50) * 2e-9 * n * n * n);
    }
    out.printf(
        Locale.ROOT,
        "  best: %,.0f images/s at batch %d = %.1f GFLOPS (%,d FLOPs/image);"
            + " sgemm on %d threads, n=512-1024: %.0f GFLOPS%n",
        best,
        bestBatch,
        gflops,
        flops,
        threads,
        sgemm);
    return new Bare(best, bestBatch, gflops, sgemm);
  }

  /**
   * One JMH run of {@code method} with {@code params}: a fork of this JVM (same class path and JVM
   * options), {@code --threads} benchmark threads, one warm-up and three measured iterations.
   */
  private RunResult jmh(
      Class<?> benchmark, String method, Map<String, String> params, TimeValue iteration)
      throws RunnerException {
    ChainedOptionsBuilder options =
        new OptionsBuilder()
            .include(Pattern.quote(benchmark.getName() + "." + method) + "$")
            .forks(1)
            .warmupIterations(1)
            .warmupTime(iteration)
            .measurementIterations(3)
            .measurementTime(iteration)
            .shouldFailOnError(true)
            .verbosity(VerboseMode.SILENT);
    if (benchmark == BareModelBenchmark.class) {
      options.threads(threads);
    }
    params.forEach(options::param);
    Collection<RunResult> results = new Runner(options.build()).run();
    if (results.size() != 1) {
      throw new IllegalStateException(
          "JMH ran "
              + results.size()
              + " benchmarks for "
              + benchmark.getSimpleName()
              + "."
              + method);
    }
    return results.iterator().next();
  }
}
