package io.digitstream.bench;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The machine's own single-precision matrix-multiply rate through ND4J (OpenBLAS underneath): the
 * yardstick the model's achieved GFLOPS are compared with.
 */
final class SgemmProbe {
  private SgemmProbe() {}

  /** GFLOPS of one size: 2·n³ per multiply. */
  record Result(int n, int threads, double gflops) {}

  /**
   * Multiplies n×n float matrices with {@code threads} BLAS threads for about {@code nanos}, median
   * of three rounds. Restores the previous BLAS thread count.
   */
  static Result measure(int n, int threads, long nanos) {
    int before = Nd4j.factory().blas().getMaxThreads();
    Nd4j.factory().blas().setMaxThreads(threads);
    try {
      INDArray a = Nd4j.rand(DataType.FLOAT, (long) n, n).dup('f');
      INDArray b = Nd4j.rand(DataType.FLOAT, (long) n, n).dup('f');
      INDArray c = Nd4j.createUninitialized(DataType.FLOAT, new long[] {n, n}, 'f');
      for (int i = 0; i < 3; i++) {
        Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
      }
      double[] rounds = new double[3];
      for (int r = 0; r < rounds.length; r++) {
        long start = System.nanoTime();
        long calls = 0;
        long now;
        do {
          Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
          calls++;
          now = System.nanoTime();
        } while (now - start < nanos);
        rounds[r] = 2.0 * n * n * n * calls / (now - start);
      }
      Arrays.sort(rounds);
      return new Result(n, threads, rounds[1]);
    } finally {
      Nd4j.factory().blas().setMaxThreads(before);
    }
  }
}
