package io.digitstream.streams.models;

import io.digitstream.model.DigitClassifier;
import io.digitstream.model.LocationRefusedException;
import io.digitstream.model.ModelAdmission;
import io.digitstream.model.ModelBundle;
import io.digitstream.model.ModelBundleException;
import io.digitstream.record.ModelAnnouncement;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.metrics.AppMetrics.ModelReload;
import io.digitstream.streams.models.ModelStatus.Handled;
import io.digitstream.streams.models.ModelStatus.Loaded;
import io.digitstream.streams.models.ModelStatus.Retry;
import io.digitstream.streams.scoring.ClassifierPool;
import io.digitstream.streams.scoring.ModelFailure;
import io.digitstream.streams.scoring.Quarantine;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns model announcements into model switches. {@link #apply} first lets the {@link
 * ModelAdmission} check the location (under a model directory) and the signature, then opens the
 * announced bundle, checks that its {@code network.zip} has the announced SHA-256 (and the one in
 * its {@code bundle.json}) and that the version matches, loads the network and makes a smoke
 * prediction, and only then hands it to the {@link ClassifierPool}, as the active model or as the
 * shadow; every stream thread switches at the start of its next batch. A bundle that fails any
 * check is refused: the current models keep serving, and the refusal is kept for {@code /health}
 * and counted in {@code digitstream.model.reloads}. A refusal that may be transient is retried with
 * a growing wait; a version this instance quarantined is never loaded again.
 *
 * <p>Called from one thread at a time (the announcement watcher, or start-up before it runs).
 */
public final class ModelSwitcher {
  private static final Logger log = LoggerFactory.getLogger(ModelSwitcher.class);

  private final ClassifierPool pool;
  private final AppMetrics metrics;
  private final ModelSettings settings;
  private final ModelAdmission admission;
  private volatile ModelStatus status;
  // The models that were active here, by version: where the pool's fallback came from.
  private final Map<String, Loaded> wasActive = new ConcurrentHashMap<>();
  // A refused announcement per role, to be tried again; a newer one of the role replaces it.
  private final Map<String, Pending> retries = new ConcurrentHashMap<>();

  /**
   * @param pool the pool whose models are switched
   * @param initialLocation where the pool's current model came from (the configured bundle)
   * @param admission where announced bundles may come from and who must have signed them
   */
  public ModelSwitcher(
      ClassifierPool pool, String initialLocation, AppMetrics metrics, ModelAdmission admission) {
    this(pool, initialLocation, metrics, ModelSettings.defaults(), admission);
  }

  public ModelSwitcher(
      ClassifierPool pool,
      String initialLocation,
      AppMetrics metrics,
      ModelSettings settings,
      ModelAdmission admission) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.admission = Objects.requireNonNull(admission, "admission");
    Loaded initial = new Loaded(pool.version(), initialLocation, System.currentTimeMillis());
    this.status = ModelStatus.serving(initial);
    wasActive.put(initial.version(), initial);
    metrics.activeModel(pool.version());
  }

  /** The current models and the fate of the latest announcement. */
  public ModelStatus status() {
    ModelStatus s = status;
    // A shadow that failed on a batch was retired by the stream thread that saw it fail.
    Optional<String> failure = pool.shadowFailure();
    if (s.shadow() != null && pool.shadowVersion().isEmpty() && failure.isPresent()) {
      s = s.withShadowEnded(failure.get());
    }
    // A stream thread that quarantined the active model switched the pool to the last good one.
    if (!pool.version().equals(s.active().version())) {
      Loaded fallback = wasActive.get(pool.version());
      s = s.withActive(fallback != null ? fallback : new Loaded(pool.version(), null, 0));
    }
    List<Retry> pending = new ArrayList<>();
    retries.values().forEach(r -> pending.add(r.view()));
    return s.withProblems(pool.quarantine().entries(), pending);
  }

  /**
   * Carries out the announcement if the bundle passes every check. A refusal that may be transient
   * (a bundle not there yet or half-written, a load that ran out of memory) is tried again later by
   * {@link #retryDue}, with a growing wait, until it succeeds or a newer announcement of the same
   * role comes; a refusal that cannot change (a relative location, a shadow equal to the active
   * model, a quarantined version) is final.
   *
   * @return true if the announced state now holds (switched, retired, or already so)
   */
  public synchronized boolean apply(ModelAnnouncement announcement) {
    // Superseded: whatever becomes of this one, an older retry of its role is moot.
    retries.remove(announcement.role());
    return attempt(announcement, 0, true);
  }

  /**
   * Carries out an older announcement of a role whose newest one was refused (catching up on a
   * topic that still holds both): it neither cancels the newest one's retry nor is retried itself.
   */
  public synchronized boolean applyOlder(ModelAnnouncement announcement) {
    return attempt(announcement, 0, false);
  }

  private boolean attempt(ModelAnnouncement announcement, int retried, boolean retry) {
    long now = System.currentTimeMillis();
    boolean shadow = ModelAnnouncement.SHADOW.equals(announcement.role());
    if (announcement.retire()) {
      retireShadow(announcement, now);
      return true;
    }
    ModelStatus before = status();
    String current = shadow ? before.shadowVersion() : before.active().version();
    Optional<Quarantine.Entry> quarantined = pool.quarantine().get(announcement.version());
    if (quarantined.isPresent()) {
      String reason = "version is quarantined on this instance: " + quarantined.get().reason();
      log.warn("Skipping {} model {}: {}", announcement.role(), announcement.version(), reason);
      handled(before, announcement, ModelReload.QUARANTINED, reason, now);
      return false;
    }
    DigitClassifier candidate;
    String location;
    try {
      // Location and signature first: nothing outside the model directories is looked at.
      ModelBundle bundle = admission.open(announcement.location());
      location = bundle.directory().toString();
      check(announcement, bundle);
      // Checked even when the version is already in place, so that every instance, restarted or
      // not, gives the same answer to the same announcement.
      if (announcement.version().equals(current)) {
        handled(before, announcement, ModelReload.UNCHANGED, null, now);
        return true;
      }
      if (shadow && announcement.version().equals(before.active().version())) {
        throw new IllegalArgumentException(
            "version " + announcement.version() + " is the active model; a shadow must differ");
      }
      candidate = pool.loadCandidate(bundle);
    } catch (IllegalArgumentException | LocationRefusedException e) {
      // The announcement itself is wrong: trying it again would give the same answer.
      refuse(announcement, e.getMessage(), now);
      return false;
    } catch (ModelBundleException e) {
      refuse(announcement, e.getMessage(), now);
      if (retry) {
        scheduleRetry(announcement, retried + 1, e.getMessage(), now);
      }
      return false;
    } catch (Throwable e) {
      // DL4J and javacpp fail in their own ways (a damaged zip, the off-heap limit, a native
      // library that does not link); whatever it is, the old model stays.
      ModelFailure.rethrowIfFatal(e);
      String reason = ModelFailure.describe(e);
      refuse(announcement, reason, now);
      if (retry) {
        scheduleRetry(announcement, retried + 1, reason, now);
      }
      return false;
    }
    long switched = System.currentTimeMillis();
    Loaded loaded = new Loaded(candidate.version(), location, switched);
    ModelStatus after;
    if (shadow) {
      pool.replaceShadow(candidate);
      after = before.withShadow(loaded);
    } else {
      pool.replace(candidate);
      wasActive.put(loaded.version(), loaded);
      // A shadow promoted to active is no longer a candidate: scoring it twice would pair twice.
      boolean promoted = candidate.version().equals(before.shadowVersion());
      if (promoted) {
        pool.replaceShadow(null);
      }
      after = before.withActive(loaded).withShadow(promoted ? null : before.shadow());
      metrics.activeModel(candidate.version());
    }
    handled(after, announcement, ModelReload.LOADED, null, now);
    log.info(
        "Model {} ({}) loaded from {} in {} ms; it scores from each stream thread's next batch on"
            + " (was {})",
        candidate.version(),
        announcement.role(),
        location,
        switched - now,
        current == null ? "none" : current);
    return true;
  }

  private void scheduleRetry(ModelAnnouncement announcement, int attempt, String reason, long now) {
    if (!settings.mayRetry(attempt)) {
      log.warn(
          "Giving up on {} model {} after {} retries",
          announcement.role(),
          announcement.version(),
          attempt - 1);
      return;
    }
    long due = now + settings.retryDelay(attempt).toMillis();
    retries.put(announcement.role(), new Pending(announcement, attempt, due, reason));
  }

  /**
   * Tries again every refused announcement whose wait is over; called by the watcher between two
   * polls.
   */
  public synchronized void retryDue(long now) {
    for (Pending p : List.copyOf(retries.values())) {
      if (p.dueAt() <= now && retries.remove(p.announcement().role(), p)) {
        log.info(
            "Retrying {} model {} (retry {})",
            p.announcement().role(),
            p.announcement().version(),
            p.attempt());
        attempt(p.announcement(), p.attempt(), true);
      }
    }
  }

  /**
   * An announcement whose record key is not its role: refused for good and counted. The key decides
   * what compaction keeps, so a mis-keyed record could outlive the announcements of its role.
   */
  public synchronized void miskeyed(ModelAnnouncement announcement, String key, String where) {
    long now = System.currentTimeMillis();
    String reason =
        where
            + ": the record key is "
            + (key == null ? "missing" : "'" + key + "'")
            + " but the announcement's role is '"
            + announcement.role()
            + "'; announce with the role as key";
    log.warn("Refused {} model {}: {}", announcement.role(), announcement.version(), reason);
    handled(status(), announcement, ModelReload.MISKEYED, reason, now);
  }

  /** An announcement that could not be read: counted and shown, nothing else changes. */
  public synchronized void invalid(String reason) {
    long now = System.currentTimeMillis();
    log.warn("Ignoring an invalid model announcement: {}", reason);
    handled(status(), null, ModelReload.INVALID, reason, now);
  }

  private void retireShadow(ModelAnnouncement announcement, long now) {
    ModelStatus s = status();
    pool.replaceShadow(null);
    if (s.shadowVersion() != null) {
      log.info("Shadow model {} retired", s.shadowVersion());
    }
    handled(s.withShadow(null), announcement, ModelReload.RETIRED, null, now);
  }

  /** A refused announcement waiting for its next attempt. */
  private record Pending(ModelAnnouncement announcement, int attempt, long dueAt, String reason) {
    Retry view() {
      return new Retry(announcement.version(), announcement.role(), attempt, dueAt, reason);
    }
  }

  private void refuse(ModelAnnouncement announcement, String reason, long now) {
    ModelStatus s = status();
    log.warn(
        "Refused {} model {}: {}; model {} keeps serving",
        announcement.role(),
        announcement.version(),
        reason,
        s.active().version());
    handled(s, announcement, ModelReload.REFUSED, reason, now);
  }

  private static void check(ModelAnnouncement announcement, ModelBundle bundle) {
    // ModelBundle.open has already checked network.zip against bundle.json.
    if (!announcement.sha256().equals(bundle.metadata().networkSha256())) {
      throw new ModelBundleException(
          "network.zip in "
              + bundle.directory()
              + " has SHA-256 "
              + bundle.metadata().networkSha256()
              + ", the announcement says "
              + announcement.sha256());
    }
    if (!announcement.version().equals(bundle.version())) {
      throw new ModelBundleException(
          "the bundle in "
              + bundle.directory()
              + " is version "
              + bundle.version()
              + ", the announcement says "
              + announcement.version());
    }
  }

  /**
   * Keeps {@code next} as the status, with what became of {@code announcement} (null if it could
   * not be read), and counts the outcome.
   */
  private void handled(
      ModelStatus next,
      ModelAnnouncement announcement,
      ModelReload outcome,
      String reason,
      long at) {
    status =
        next.withLastAnnouncement(
            new Handled(
                announcement == null ? null : announcement.version(),
                announcement == null ? null : announcement.role(),
                outcome.name().toLowerCase(Locale.ROOT),
                reason,
                at));
    metrics.modelReload(outcome);
  }
}
