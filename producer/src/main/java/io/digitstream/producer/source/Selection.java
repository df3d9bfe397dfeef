package io.digitstream.producer.source;

import io.digitstream.config.ConfigException;
import java.util.Random;

/**
 * Which inputs of a source to publish and in which order: optionally shuffled by a seed first, then
 * {@code limit} inputs from {@code offset} on. Shuffling first means {@code --shuffle --limit 100}
 * samples every class, and successive offsets give disjoint samples of the same shuffled order.
 *
 * @param offset inputs to skip, 0 or more
 * @param limit inputs to take at most, 0 for all
 * @param shuffle whether to reorder the inputs before skipping and taking
 * @param seed the seed of the shuffle; the same seed always gives the same order
 */
public record Selection(int offset, int limit, boolean shuffle, long seed) {
  public Selection {
    if (offset < 0) {
      throw ConfigException.invalid("--offset", offset, "0 or more");
    }
    if (limit < 0) {
      throw ConfigException.invalid("--limit", limit, "0 (all) or more");
    }
  }

  /** Every input in its natural order. */
  public static Selection all() {
    return new Selection(0, 0, false, 0);
  }

  /**
   * The indices of the selected inputs among {@code size}, in publishing order.
   *
   * @param what names the inputs in the message when the offset is past the end
   */
  public int[] indices(int size, String what) {
    if (size > 0 && offset >= size) {
      throw ConfigException.invalid("--offset", offset, "less than the " + size + " " + what);
    }
    int[] order = new int[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    if (shuffle) {
      // Fisher-Yates over java.util.Random, whose sequence for a seed is fixed by its spec, so the
      // order never changes between JDKs (Collections.shuffle's algorithm is not specified).
      Random random = new Random(seed);
      for (int i = size - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int swap = order[i];
        order[i] = order[j];
        order[j] = swap;
      }
    }
    int from = Math.min(offset, size);
    int to = limit == 0 ? size : (int) Math.min(size, (long) from + limit);
    int[] selected = new int[to - from];
    System.arraycopy(order, from, selected, 0, selected.length);
    return selected;
  }
}
