package io.digitstream.streams.monitor;

import io.digitstream.config.ConfigException;

/**
 * How many images the page's rings keep (see {@link ImageRings}).
 *
 * @param perRing images per ring and task ({@value #PER_RING}): the misclassified, least confident
 *     and out-of-distribution rings each keep at most this many per task
 * @param recentPerTask images whose pixels each task remembers so that a later label can show them
 *     ({@value #RECENT_PER_TASK}); about 0.9 KiB each
 */
public record ImageRingSettings(int perRing, int recentPerTask) {
  public static final String PER_RING = "digitstream.page.images";
  public static final String RECENT_PER_TASK = "digitstream.page.images.recent";
  public static final int DEFAULT_PER_RING = 24;
  public static final int DEFAULT_RECENT_PER_TASK = 20_000;
  public static final int MAX_PER_RING = 1_000;
  public static final int MAX_RECENT_PER_TASK = 1_000_000;

  public ImageRingSettings {
    if (perRing < 1 || perRing > MAX_PER_RING) {
      throw ConfigException.invalid(PER_RING, perRing, "an integer between 1 and " + MAX_PER_RING);
    }
    if (recentPerTask < 1 || recentPerTask > MAX_RECENT_PER_TASK) {
      throw ConfigException.invalid(
          RECENT_PER_TASK, recentPerTask, "an integer between 1 and " + MAX_RECENT_PER_TASK);
    }
  }

  public static ImageRingSettings defaults() {
    return new ImageRingSettings(DEFAULT_PER_RING, DEFAULT_RECENT_PER_TASK);
  }
}
