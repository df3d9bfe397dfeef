package io.digitstream.bench;

import io.digitstream.image.IdxFormatException;
import io.digitstream.image.MnistFetch;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.ModelBundle;
import io.digitstream.model.ModelBundleException;
import io.digitstream.record.DigitImage;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.conf.inputs.InputType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code digitstream bench}: in one process and one run, (1) the bare model at its best batch size
 * with one model per core, (2) the end-to-end pipeline sustained for 30 s, (3) latency at half that
 * rate, and the ratio (2)/(1).
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmark the bare model, then producer -> Kafka -> streams app -> predictions.")
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

  @Option(
      names = "--full-table",
      description = "Also print the bare model's full table per batch size (ModelBenchmark).")
  boolean fullTable;

  private final PrintStream out = System.out;

  /** Entry point of {@code ./digitstream bench}. */
  public static void main(String[] args) {
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
    if (fullTable) {
      int code =
          new CommandLine(new ModelBenchmark())
              .execute("--model", model.toString(), "--threads", String.valueOf(threads));
      if (code != 0) {
        return code;
      }
    }
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

  /** Images/s of {@code threads} model copies scoring in parallel at the best batch size. */
  private Bare bareModel() throws Exception {
    DigitClassifier first = DigitClassifier.load(ModelBundle.open(model));
    List<Scorer> scorers = new ArrayList<>();
    scorers.add(first::output);
    for (int t = 1; t < threads; t++) {
      scorers.add(first.copy()::output);
    }
    double best = 0;
    int bestBatch = 0;
    out.println("Bare model, one model copy per thread:");
    for (int batch : CANDIDATE_BATCHES) {
      float[] input = new float[batch * DigitImage.PIXELS];
      Random random = new Random(batch);
      for (int i = 0; i < input.length; i++) {
        input[i] = random.nextFloat();
      }
      Measurements.Rate rate =
          Measurements.parallelThroughput(scorers, input, batch, 500_000_000L, 1_000_000_000L, 3);
      out.printf(
          Locale.ROOT,
          "  batch %3d: %,8.0f images/s (%,.0f-%,.0f)%n",
          batch,
          rate.median(),
          rate.min(),
          rate.max());
      if (rate.median() > best) {
        best = rate.median();
        bestBatch = batch;
      }
    }
    long flops =
        FlopCounter.total(
            first.network().getLayerWiseConfigurations(),
            InputType.convolutional(DigitImage.SIDE, DigitImage.SIDE, 1));
    double gflops = best * flops / 1e9;
    double sgemm = 0;
    for (int n : new int[] {512, 768, 1024}) {
      sgemm = Math.max(sgemm, SgemmProbe.measure(n, threads, 1_000_000_000L).gflops());
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
}
