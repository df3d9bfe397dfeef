package io.digitstream.bench;

import io.digitstream.model.Architecture;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.ModelBundle;
import io.digitstream.record.DigitImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * JMH: the bare model's throughput per batch size, through {@code DigitClassifier.output} (the
 * streams app's path, {@code FoldedNetwork}) and through DL4J's own layers ({@code layerOutput}) as
 * the baseline, on one thread and on two threads that each own a model, the way stream threads use
 * the cores. Every call scores 512 images in batches of {@code batch}, so the score is images/s
 * (summed over threads).
 *
 * <p>{@code network} is a model bundle directory or the name of one of the trainer's architectures
 * ({@code -p network=compact-bn}), built with random weights: speed does not depend on them. Input
 * is random grey levels. Run with {@code OMP_NUM_THREADS=1}, as the streams app does.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@OperationsPerInvocation(BareModelBenchmark.IMAGES_PER_CALL)
@State(Scope.Thread)
public class BareModelBenchmark {
  /**
   * Images per benchmark call, in batches of {@code batch}: the score is images/s at every size.
   */
  static final int IMAGES_PER_CALL = 512;

  private static final long SEED = 20261122L;

  @Param({"1", "8", "32", "128", "512"})
  int batch;

  @Param("models/default")
  String network;

  private DigitClassifier classifier;
  private float[] input;

  /** Scope.Thread: every benchmark thread loads its own model, as every stream thread does. */
  @Setup(Level.Trial)
  public void load() throws Exception {
    if (IMAGES_PER_CALL % batch != 0) {
      throw new IllegalArgumentException("batch must divide " + IMAGES_PER_CALL + ", not " + batch);
    }
    classifier = open(network);
    input = randomImages(batch);
  }

  @Benchmark
  @Threads(1)
  public void classifier(Blackhole scores) {
    for (int i = 0; i < IMAGES_PER_CALL / batch; i++) {
      scores.consume(classifier.output(input, batch));
    }
  }

  @Benchmark
  @Threads(2)
  public void classifierTwoThreads(Blackhole scores) {
    classifier(scores);
  }

  @Benchmark
  @Threads(1)
  public void dl4jLayers(Blackhole scores) {
    for (int i = 0; i < IMAGES_PER_CALL / batch; i++) {
      scores.consume(classifier.layerOutput(input, batch));
    }
  }

  @Benchmark
  @Threads(2)
  public void dl4jLayersTwoThreads(Blackhole scores) {
    dl4jLayers(scores);
  }

  /** The bundle in directory {@code network}, else the trainer's architecture of that name. */
  static DigitClassifier open(String network) throws Exception {
    if (Files.isDirectory(Path.of(network))) {
      return DigitClassifier.load(ModelBundle.open(Path.of(network)));
    }
    Architecture architecture;
    try {
      architecture = Architecture.byName(network);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "network '" + network + "' is no model bundle directory, and " + e.getMessage(), e);
    }
    MultiLayerNetwork random =
        new MultiLayerNetwork(architecture.configuration(SEED, new FixedSchedule(1e-3)));
    random.init();
    return new DigitClassifier(random, architecture.cliName() + "-random");
  }

  /** {@code n} images of random grey levels scaled like real input; speed ignores the values. */
  static float[] randomImages(int n) {
    Random random = new Random(SEED);
    float[] pixels = new float[n * DigitImage.PIXELS];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextInt(256) / 255f;
    }
    return pixels;
  }
}
