package io.digitstream.streams.scoring;

import io.digitstream.model.DigitClassifier;
import io.digitstream.model.ModelBundle;
import java.util.Objects;

/**
 * Hands every thread its own {@link DigitClassifier} for the current model: a network is not
 * thread-safe, and a stream thread may run several tasks, so the copy belongs to the thread, not to
 * a task. The pool keeps one master classifier that is never used for inference, only copied.
 *
 * <p>{@link #replace} swaps the model; each thread picks up a copy of the new one the next time it
 * asks, between two batches, so a batch is always scored by one model version.
 */
public final class ClassifierPool {
  private final int nativeThreads;
  private final ThreadLocal<Owned> owned = new ThreadLocal<>();
  private volatile DigitClassifier master;

  private ClassifierPool(DigitClassifier master, int nativeThreads) {
    this.master = Objects.requireNonNull(master, "master");
    if (nativeThreads < 1) {
      throw new IllegalArgumentException("native threads must be at least 1, got " + nativeThreads);
    }
    this.nativeThreads = nativeThreads;
  }

  /** Loads and checks the bundle's network once; threads get copies of it. */
  public static ClassifierPool load(ModelBundle bundle, int nativeThreads) {
    NativeThreads.limitCurrentThread(nativeThreads);
    return new ClassifierPool(DigitClassifier.load(bundle), nativeThreads);
  }

  /** A pool around an already loaded classifier, which becomes the master. */
  public static ClassifierPool of(DigitClassifier master, int nativeThreads) {
    return new ClassifierPool(master, nativeThreads);
  }

  /** The version of the model the next batch will be scored with. */
  public String version() {
    return master.version();
  }

  /** The calling thread's own classifier for the current model, copied on first use. */
  public DigitClassifier forCurrentThread() {
    DigitClassifier current = master;
    Owned mine = owned.get();
    if (mine == null || mine.master != current) {
      mine = new Owned(current, copyOf(current));
      owned.set(mine);
    }
    return mine.copy;
  }

  /** Makes {@code next} the current model; threads switch to it before their next batch. */
  public void replace(DigitClassifier next) {
    master = Objects.requireNonNull(next, "next");
  }

  // Copying reads the master's parameters; one copy at a time keeps that read undisturbed.
  private synchronized DigitClassifier copyOf(DigitClassifier source) {
    NativeThreads.limitCurrentThread(nativeThreads);
    return source.copy();
  }

  private record Owned(DigitClassifier master, DigitClassifier copy) {}
}
