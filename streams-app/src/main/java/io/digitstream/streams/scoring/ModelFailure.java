package io.digitstream.streams.scoring;

/**
 * Which throwables from loading or running a network count as that model failing, rather than the
 * JVM failing. Besides exceptions: an {@link OutOfMemoryError} (javacpp throws one when its
 * off-heap limit is reached, for this network's allocation), a {@link StackOverflowError}, and a
 * {@link LinkageError} (a native library or class the network needs that does not load, {@link
 * ExceptionInInitializerError} included). Other {@link VirtualMachineError}s ({@code
 * InternalError}, {@code UnknownError}) and {@link ThreadDeath} mean the JVM itself is broken and
 * propagate.
 */
public final class ModelFailure {
  private ModelFailure() {}

  /** Whether {@code t} is a model's failure, to be handled instead of propagated. */
  public static boolean isModelFailure(Throwable t) {
    return t instanceof Exception
        || t instanceof OutOfMemoryError
        || t instanceof StackOverflowError
        || t instanceof LinkageError;
  }

  /** Rethrows {@code t} unless it is a model's failure. */
  public static void rethrowIfFatal(Throwable t) {
    if (!isModelFailure(t)) {
      if (t instanceof Error e) {
        throw e;
      }
      throw new IllegalStateException(t);
    }
  }

  /** The class and message, for a reason shown to people. */
  public static String describe(Throwable t) {
    String message = t.getMessage();
    return t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
