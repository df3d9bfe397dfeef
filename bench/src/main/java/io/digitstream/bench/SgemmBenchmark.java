package io.digitstream.bench;

import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

/**
 * JMH: the machine's own single-precision matrix multiply through ND4J (OpenBLAS underneath), the
 * yardstick the model's achieved GFLOPS are compared with. One JMH thread; {@code blasThreads} is
 * OpenBLAS's own thread count. The score is multiplies/s; the {@code gflop} counter is GFLOPS (2·n³
 * per multiply).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@Threads(1)
@State(Scope.Thread)
public class SgemmBenchmark {
  @Param({"512", "768", "1024"})
  int n;

  @Param({"1", "2"})
  int blasThreads;

  private INDArray a;
  private INDArray b;
  private INDArray c;

  /** Floating-point work done, in units of 10⁹; JMH reports it per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Flops {
    public double gflop;

    /**
     * Counts only multiplies inside the measured window (JMH resets counters before its warm-up
     * calls). Exact with one benchmark thread; {@code Control} is shared by all threads.
     */
    void count(int n, Control control) {
      if (control.startMeasurement && !control.stopMeasurement) {
        gflop += 2e-9 * n * n * n;
      }
    }
  }

  @Setup(Level.Trial)
  public void matrices() {
    // One fork per parameter set, so the setting cannot leak into another measurement.
    Nd4j.factory().blas().setMaxThreads(blasThreads);
    a = Nd4j.rand(DataType.FLOAT, (long) n, n).dup('f');
    b = Nd4j.rand(DataType.FLOAT, (long) n, n).dup('f');
    c = Nd4j.createUninitialized(DataType.FLOAT, new long[] {n, n}, 'f');
  }

  @Benchmark
  public INDArray sgemm(Flops flops, Control control) {
    flops.count(n, control);
    return Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
  }
}
