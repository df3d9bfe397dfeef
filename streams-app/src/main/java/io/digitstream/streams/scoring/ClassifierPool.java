package io.digitstream.streams.scoring;

import io.digitstream.model.DigitClassifier;
import io.digitstream.model.ModelBundle;
import io.digitstream.model.MonitoringReference;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Hands every thread its own {@link DigitClassifier} for the current model: a network is not
 * thread-safe, and a stream thread may run several tasks, so the copy belongs to the thread, not to
 * a task. The pool keeps one master classifier that is never used for inference, only copied.
 *
 * <p>{@link #replace} swaps the model; each thread picks up a copy of the new one the next time it
 * asks, between two batches, so a batch is always scored by one model version. In shadow mode a
 * second master, the candidate, is handed out the same way by {@link #shadowForCurrentThread}.
 *
 * <p>The model {@link #replace} displaced stays loaded as the last good one: when the current model
 * fails on a batch, {@link #fallbackForCurrentThread} hands out the last good model to score it
 * again, and if that works {@link #quarantine} takes the failed model out of service for good (on
 * this instance, and after a restart through the {@link Quarantine} file).
 */
public final class ClassifierPool {
  private final int nativeThreads;
  private final ThreadLocal<Owned> owned = new ThreadLocal<>();
  private final ThreadLocal<Owned> ownedShadow = new ThreadLocal<>();
  private final ThreadLocal<Owned> ownedPrevious = new ThreadLocal<>();
  private final Quarantine quarantine;
  private final Function<ModelBundle, DigitClassifier> loader;
  private volatile DigitClassifier master;
  // The model the last replace displaced, kept to take over if the master fails; null if none.
  private volatile DigitClassifier previous;
  // A candidate scored alongside the master in shadow mode; null when there is none.
  private volatile DigitClassifier shadow;
  private volatile String shadowFailure;

  private ClassifierPool(
      DigitClassifier master,
      int nativeThreads,
      Quarantine quarantine,
      Function<ModelBundle, DigitClassifier> loader) {
    this.master = Objects.requireNonNull(master, "master");
    this.quarantine = Objects.requireNonNull(quarantine, "quarantine");
    this.loader = Objects.requireNonNull(loader, "loader");
    if (nativeThreads < 1) {
      throw new IllegalArgumentException("native threads must be at least 1, got " + nativeThreads);
    }
    this.nativeThreads = nativeThreads;
  }

  /** Loads and checks the bundle's network once; threads get copies of it. */
  public static ClassifierPool load(ModelBundle bundle, int nativeThreads, Quarantine quarantine) {
    NativeThreads.limitCurrentThread(nativeThreads);
    return new ClassifierPool(
        DigitClassifier.load(bundle), nativeThreads, quarantine, DigitClassifier::load);
  }

  /** A pool around an already loaded classifier, which becomes the master; nothing persisted. */
  public static ClassifierPool of(DigitClassifier master, int nativeThreads) {
    return of(master, nativeThreads, DigitClassifier::load);
  }

  /**
   * A pool whose candidates are loaded by {@code loader} instead of {@link DigitClassifier#load}:
   * for tests of what a failing load does.
   */
  public static ClassifierPool of(
      DigitClassifier master, int nativeThreads, Function<ModelBundle, DigitClassifier> loader) {
    return new ClassifierPool(master, nativeThreads, Quarantine.inMemory(), loader);
  }

  /**
   * The monitoring reference of {@code version}, if it is the current, the shadow or the last good
   * model and its bundle has one: what the accuracy windows measure drift against.
   */
  public Optional<MonitoringReference> monitoring(String version) {
    for (DigitClassifier c : new DigitClassifier[] {master, shadow, previous}) {
      if (c != null && c.version().equals(version)) {
        return c.monitoring();
      }
    }
    return Optional.empty();
  }

  /** The versions taken out of service on this instance. */
  public Quarantine quarantine() {
    return quarantine;
  }

  /** The last good model's version, kept loaded to take over; empty if there is none. */
  public Optional<String> previousVersion() {
    return Optional.ofNullable(previous).map(DigitClassifier::version);
  }

  /**
   * The calling thread's copy of a model other than {@code failedVersion} to score a batch again:
   * the current model if another thread has already switched away from the failed one, otherwise
   * the last good model; null if there is none.
   */
  public DigitClassifier fallbackForCurrentThread(String failedVersion) {
    DigitClassifier current = master;
    if (!current.version().equals(failedVersion)) {
      return forCurrentThread();
    }
    DigitClassifier last = previous;
    if (last == null || last.version().equals(failedVersion)) {
      return null;
    }
    return own(ownedPrevious, last);
  }

  /**
   * Takes {@code failedVersion} out of service after {@code fallbackVersion} scored the batch it
   * failed on: the fallback becomes the current model if the failed one still is, and the version
   * is added to the quarantine.
   *
   * @return true if this call quarantined it (false if another thread already had)
   */
  public synchronized boolean quarantine(
      String failedVersion, String fallbackVersion, String reason) {
    DigitClassifier last = previous;
    if (master.version().equals(failedVersion)
        && last != null
        && last.version().equals(fallbackVersion)) {
      master = last;
      previous = null;
    }
    return quarantine.add(failedVersion, reason, System.currentTimeMillis());
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
    return loader.apply(bundle);
  }

  /**
   * Makes {@code next} the current model; threads switch to it before their next batch. The model
   * it replaces is kept as the last good one, unless it is quarantined.
   */
  public synchronized void replace(DigitClassifier next) {
    Objects.requireNonNull(next, "next");
    DigitClassifier displaced = master;
    if (!displaced.version().equals(next.version()) && !quarantine.contains(displaced.version())) {
      previous = displaced;
    }
    master = next;
  }

  // Copying reads the master's parameters; one copy at a time keeps that read undisturbed.
  private synchronized DigitClassifier copyOf(DigitClassifier source) {
    NativeThreads.limitCurrentThread(nativeThreads);
    return source.copy();
  }

  private record Owned(DigitClassifier master, DigitClassifier copy) {}
}
