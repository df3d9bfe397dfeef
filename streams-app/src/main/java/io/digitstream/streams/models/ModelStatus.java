package io.digitstream.streams.models;

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
 */
public record ModelStatus(
    Loaded active, Loaded shadow, String shadowEnded, Handled lastAnnouncement) {

  public ModelStatus {
    Objects.requireNonNull(active, "active");
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
    return new ModelStatus(next, shadow, shadowEnded, lastAnnouncement);
  }

  /**
   * This status with another shadow, or none; a reason the previous shadow ended is dropped with
   * it.
   */
  public ModelStatus withShadow(Loaded next) {
    return new ModelStatus(active, next, null, lastAnnouncement);
  }

  /** This status with the shadow cleared because it failed, and why. */
  public ModelStatus withShadowEnded(String reason) {
    return new ModelStatus(
        active, null, Objects.requireNonNull(reason, "reason"), lastAnnouncement);
  }

  /** This status with {@code handled} as the latest announcement. */
  public ModelStatus withLastAnnouncement(Handled handled) {
    return new ModelStatus(active, shadow, shadowEnded, handled);
  }
}
