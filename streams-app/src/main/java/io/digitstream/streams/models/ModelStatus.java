package io.digitstream.streams.models;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.digitstream.streams.scoring.Quarantine;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What {@code /health} says about the models: the version serving now, the shadow if there is one,
 * and what became of the latest announcement this instance saw. Each change is one {@code with...}
 * copy, so a switch says only what it changes.
 *
 * @param active the model whose predictions go to the predictions topic
 * @param shadow the candidate scored alongside it, or null when shadow mode is off
 * @param shadowEnded why shadow mode ended, if the shadow failed on a batch; null otherwise
 * @param lastAnnouncement the latest announcement and its outcome, or null if none was seen
 * @param quarantined the versions this instance took out of service after they failed on a batch
 * @param retrying refused announcements that will be tried again, one per role at most
 * @param divergence other instances serving another active model, or null when all agree (or none
 *     was asked yet)
 */
public record ModelStatus(
    Loaded active,
    Loaded shadow,
    String shadowEnded,
    Handled lastAnnouncement,
    List<Quarantine.Entry> quarantined,
    List<Retry> retrying,
    Divergence divergence) {

  public ModelStatus {
    Objects.requireNonNull(active, "active");
    quarantined = quarantined == null ? List.of() : List.copyOf(quarantined);
    retrying = retrying == null ? List.of() : List.copyOf(retrying);
  }

  public ModelStatus(Loaded active, Loaded shadow, String shadowEnded, Handled lastAnnouncement) {
    this(active, shadow, shadowEnded, lastAnnouncement, List.of(), List.of(), null);
  }

  /**
   * A refused announcement waiting for its next attempt.
   *
   * @param version the announced version
   * @param role its role
   * @param attempt the number of the next retry (1 = the first)
   * @param nextAt when it is due, epoch milliseconds
   * @param reason why the last attempt was refused
   */
  public record Retry(String version, String role, int attempt, long nextAt, String reason) {}

  /**
   * Instances that serve another active model than this one.
   *
   * @param instances each such instance's {@code host:port} and its active version
   * @param since when this instance first saw them disagree, epoch milliseconds
   * @param degraded whether they have disagreed for longer than the grace period
   */
  public record Divergence(List<Peer> instances, long since, boolean degraded) {
    public Divergence {
      instances = List.copyOf(instances);
    }
  }

  /** Another instance and the active model version it reported. */
  public record Peer(String server, String active) {}

  /**
   * Why this instance is DEGRADED: a quarantined model, instances that disagree for longer than the
   * grace period; empty when it is not. A refused or retried announcement is not in it: the old
   * model keeps serving, and the disagreement it causes shows as divergence on the others.
   */
  @JsonProperty(value = "degraded", access = JsonProperty.Access.READ_ONLY)
  public List<String> degradedReasons() {
    List<String> reasons = new ArrayList<>();
    for (Quarantine.Entry q : quarantined) {
      reasons.add("model " + q.version() + " is quarantined: " + q.reason());
    }
    if (divergence != null && divergence.degraded()) {
      List<String> others = new ArrayList<>();
      for (Peer p : divergence.instances()) {
        others.add(p.server() + " serves " + p.active());
      }
      reasons.add(
          "instances disagree on the active model: this one serves "
              + active.version()
              + ", "
              + String.join(", ", others));
    }
    return reasons;
  }

  /**
   * A model loaded on this instance.
   *
   * @param version the model version
   * @param location where it was loaded from
   * @param since when it took its role here, epoch milliseconds
   */
  public record Loaded(String version, String location, long since) {
    public Loaded {
      Objects.requireNonNull(version, "version");
    }
  }

  /**
   * What became of an announcement.
   *
   * @param version the announced version, or null if the announcement could not even be read
   * @param role the announced role, or null likewise
   * @param outcome {@code loaded}, {@code unchanged}, {@code retired}, {@code refused} or {@code
   *     invalid}
   * @param reason why it was refused or invalid; null otherwise
   * @param at when it was handled, epoch milliseconds
   */
  public record Handled(String version, String role, String outcome, String reason, long at) {
    public Handled {
      Objects.requireNonNull(outcome, "outcome");
    }
  }

  /** Only {@code active} serving: no shadow, no announcement seen yet. */
  public static ModelStatus serving(Loaded active) {
    return new ModelStatus(active, null, null, null);
  }

  /** The shadow's version, or null without one. */
  public String shadowVersion() {
    return shadow == null ? null : shadow.version();
  }

  /** This status with another active model; the shadow stays. */
  public ModelStatus withActive(Loaded next) {
    return new ModelStatus(
        next, shadow, shadowEnded, lastAnnouncement, quarantined, retrying, divergence);
  }

  /**
   * This status with another shadow, or none; a reason the previous shadow ended is dropped with
   * it.
   */
  public ModelStatus withShadow(Loaded next) {
    return new ModelStatus(active, next, null, lastAnnouncement, quarantined, retrying, divergence);
  }

  /** This status with the shadow cleared because it failed, and why. */
  public ModelStatus withShadowEnded(String reason) {
    return new ModelStatus(
        active,
        null,
        Objects.requireNonNull(reason, "reason"),
        lastAnnouncement,
        quarantined,
        retrying,
        divergence);
  }

  /** This status with {@code handled} as the latest announcement. */
  public ModelStatus withLastAnnouncement(Handled handled) {
    return new ModelStatus(active, shadow, shadowEnded, handled, quarantined, retrying, divergence);
  }

  /** This status with the quarantined versions and the pending retries as they are now. */
  public ModelStatus withProblems(List<Quarantine.Entry> nowQuarantined, List<Retry> nowRetrying) {
    return new ModelStatus(
        active, shadow, shadowEnded, lastAnnouncement, nowQuarantined, nowRetrying, divergence);
  }

  /** This status with what this instance last learned of the others' active models. */
  public ModelStatus withDivergence(Divergence next) {
    return new ModelStatus(
        active, shadow, shadowEnded, lastAnnouncement, quarantined, retrying, next);
  }
}
