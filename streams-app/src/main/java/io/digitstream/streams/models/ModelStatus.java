package io.digitstream.streams.models;

/**
 * What {@code /health} says about the models: the version serving now, the shadow if there is one,
 * and what became of the latest announcement this instance saw.
 *
 * @param activeVersion the version whose predictions go to the predictions topic
 * @param activeLocation where it was loaded from
 * @param activeSince when it became active here, epoch milliseconds
 * @param shadowVersion the candidate scored alongside it, or null when shadow mode is off
 * @param shadowLocation where the shadow was loaded from, or null
 * @param shadowSince when the shadow started here, epoch milliseconds; 0 without one
 * @param shadowEnded why shadow mode ended, if the shadow failed on a batch; null otherwise
 * @param lastAnnouncement the version named by the latest announcement, or null if none was seen
 *     (or the latest could not even be read)
 * @param lastRole the role of the latest announcement, or null
 * @param lastOutcome {@code loaded}, {@code unchanged}, {@code retired}, {@code refused} or {@code
 *     invalid}; null if no announcement was seen
 * @param lastReason why the latest announcement was refused or invalid; null otherwise
 * @param lastAt when the latest announcement was handled, epoch milliseconds; 0 if none
 */
public record ModelStatus(
    String activeVersion,
    String activeLocation,
    long activeSince,
    String shadowVersion,
    String shadowLocation,
    long shadowSince,
    String shadowEnded,
    String lastAnnouncement,
    String lastRole,
    String lastOutcome,
    String lastReason,
    long lastAt) {

  /** This status with {@code shadowEnded} set and the shadow cleared. */
  ModelStatus withShadowEnded(String reason) {
    return new ModelStatus(
        activeVersion,
        activeLocation,
        activeSince,
        null,
        null,
        0,
        reason,
        lastAnnouncement,
        lastRole,
        lastOutcome,
        lastReason,
        lastAt);
  }
}
