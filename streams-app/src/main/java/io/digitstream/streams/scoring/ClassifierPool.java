package io.digitstream.streams.scoring;

import io.digitstream.model.DigitClassifier;
import io.digitstream.model.ModelBundle;
import java.util.Objects;
import java.util.Optional;

/**
 * Hands every thread its own {@link DigitClassifier} for the current model: a network is not
 * thread-safe, and a stream thread may run several tasks, so the copy belongs to the thread, not to
 * a task. The pool keeps one master classifier that is never used for inference, only copied.
 *
 * <p>{@link #replace} swaps the model; each thread picks up a copy of the new one the next time it
 * asks, between two batches, so a batch is always scored by one model version. In shadow mode a
 * second master, the candidate, is handed out the same way by {@link #shadowForCurrentThread}.
 */
public final class ClassifierPool {
  private final int nativeThreads;
  private final ThreadLocal<Owned> owned = new ThreadLocal<>();
  private final ThreadLocal<Owned> ownedShadow = new ThreadLocal<>();
  private volatile DigitClassifier master;
  // A candidate scored alongside the master in shadow mode; null when there is none.
  private volatile DigitClassifier shadow;
  private volatile String shadowFailure;

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
    return own(owned, master);
  }

  /** The version of the shadow model, if shadow mode is on. */
  public Optional<String> shadowVersion() {
    return Optional.ofNullable(shadow).map(DigitClassifier::version);
  }

  /**
   * The calling thread's own classifier for the shadow model, or null when shadow mode is off. The
   * thread's copy of a retired shadow is dropped, so its network can be collected.
   */
  public DigitClassifier shadowForCurrentThread() {
    DigitClassifier current = shadow;
    if (current == null) {
      ownedShadow.remove();
      return null;
    }
    return own(ownedShadow, current);
  }

  /** Makes {@code next} the shadow model, or ends shadow mode when it is null. */
  public synchronized void replaceShadow(DigitClassifier next) {
    shadow = next;
    shadowFailure = null;
  }

  /**
   * Ends shadow mode if {@code failed} is still the shadow (a later announcement may already have
   * replaced it).
   *
   * @return true if this call ended it
   */
  public synchronized boolean retireShadow(DigitClassifier failed, String reason) {
    DigitClassifier current = shadow;
    if (current != null && current.version().equals(failed.version())) {
      shadow = null;
      shadowFailure = "shadow model " + failed.version() + " failed on a batch: " + reason;
      return true;
    }
    return false;
  }

  /** Why the last shadow was retired by a failure, if it was. */
  public Optional<String> shadowFailure() {
    return Optional.ofNullable(shadowFailure);
  }

  private DigitClassifier own(ThreadLocal<Owned> slot, DigitClassifier current) {
    Owned mine = slot.get();
    if (mine == null || mine.master != current) {
      mine = new Owned(current, copyOf(current));
      slot.set(mine);
    }
    return mine.copy;
  }

  /**
   * Loads and checks {@code bundle}'s network on the calling thread (with the pool's native thread
   * limit), without touching the current model; {@link #replace} then makes it current.
   *
   * @throws io.digitstream.model.ModelBundleException if the network cannot be loaded or fails its
   *     smoke prediction
   */
  public DigitClassifier loadCandidate(ModelBundle bundle) {
    NativeThreads.limitCurrentThread(nativeThreads);
    return DigitClassifier.load(bundle);
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
