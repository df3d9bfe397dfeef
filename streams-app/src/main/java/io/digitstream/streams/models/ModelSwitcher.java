package io.digitstream.streams.models;

import io.digitstream.model.DigitClassifier;
import io.digitstream.model.ModelAdmission;
import io.digitstream.model.ModelBundle;
import io.digitstream.model.ModelBundleException;
import io.digitstream.record.ModelAnnouncement;
import io.digitstream.streams.metrics.AppMetrics;
import io.digitstream.streams.metrics.AppMetrics.ModelReload;
import io.digitstream.streams.models.ModelStatus.Handled;
import io.digitstream.streams.models.ModelStatus.Loaded;
import io.digitstream.streams.scoring.ClassifierPool;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
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
 * and counted in {@code digitstream.model.reloads}.
 *
 * <p>Called from one thread at a time (the announcement watcher, or start-up before it runs).
 */
public final class ModelSwitcher {
  private static final Logger log = LoggerFactory.getLogger(ModelSwitcher.class);

  private final ClassifierPool pool;
  private final AppMetrics metrics;
  private final ModelAdmission admission;
  private volatile ModelStatus status;

  /**
   * @param pool the pool whose models are switched
   * @param initialLocation where the pool's current model came from (the configured bundle)
   * @param admission where announced bundles may come from and who must have signed them
   */
  public ModelSwitcher(
      ClassifierPool pool, String initialLocation, AppMetrics metrics, ModelAdmission admission) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.admission = Objects.requireNonNull(admission, "admission");
    this.status =
        ModelStatus.serving(
            new Loaded(pool.version(), initialLocation, System.currentTimeMillis()));
    metrics.activeModel(pool.version());
  }

  /** The current models and the fate of the latest announcement. */
  public ModelStatus status() {
    ModelStatus s = status;
    // A shadow that failed on a batch was retired by the stream thread that saw it fail.
    Optional<String> failure = pool.shadowFailure();
    if (s.shadow() != null && pool.shadowVersion().isEmpty() && failure.isPresent()) {
      return s.withShadowEnded(failure.get());
    }
    return s;
  }

  /**
   * Carries out the announcement if the bundle passes every check.
   *
   * @return true if the announced state now holds (switched, retired, or already so)
   */
  public synchronized boolean apply(ModelAnnouncement announcement) {
    long now = System.currentTimeMillis();
    boolean shadow = ModelAnnouncement.SHADOW.equals(announcement.role());
    if (announcement.retire()) {
      retireShadow(announcement, now);
      return true;
    }
    ModelStatus before = status();
    String current = shadow ? before.shadowVersion() : before.active().version();
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
    } catch (ModelBundleException | IllegalArgumentException e) {
      refuse(announcement, e.getMessage(), now);
      return false;
    } catch (RuntimeException e) {
      // DL4J can fail in its own ways on a damaged zip; whatever it is, the old model stays.
      refuse(announcement, e.getClass().getSimpleName() + ": " + e.getMessage(), now);
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
