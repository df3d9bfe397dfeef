package io.digitstream.streams.scoring;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Limits the threads ND4J's native code uses inside one inference call. Each stream thread owns a
 * network, so with one native thread per network the stream threads share the cores without
 * oversubscribing them.
 *
 * <p>{@code OMP_NUM_THREADS} in the environment (set by the launcher) is the dependable control,
 * since OpenMP reads it when the native library loads; these calls are the in-process equivalent
 * for runs that do not go through the launcher. They are repeated on each stream thread because an
 * OpenMP thread count set through the API belongs to the calling thread.
 */
final class NativeThreads {
  private NativeThreads() {}

  static void limitCurrentThread(int threads) {
    Nd4j.getEnvironment().setMaxThreads(threads);
    Nd4j.getEnvironment().setMaxMasterThreads(threads);
    Nd4j.factory().blas().setMaxThreads(threads);
    NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
  }
}
