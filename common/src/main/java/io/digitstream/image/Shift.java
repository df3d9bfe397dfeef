package io.digitstream.image;

import io.digitstream.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * A shift put into a stream on purpose, for demos and tests of monitoring: from input {@code at} on
 * (0-based, in publishing order) and before input {@code until}, a {@code fraction} of the inputs,
 * evenly spaced, are distorted by one of {@code kinds}. What happens to an image depends only on
 * the seed, its id and its pixels, so a run can be repeated byte for byte and its images recomputed
 * without Kafka.
 *
 * @param kinds what to do; with several, each distorted image gets one of them, chosen by its id
 * @param strength a strength for the one kind (in its {@link ShiftKind#unit()}), or empty for the
 *     defaults
 * @param at the index of the first input that may be distorted
 * @param until the index of the first input that is clean again, after the shift ({@link
 *     #TO_THE_END} for none)
 * @param fraction the share of inputs from {@code at} on that are distorted, 0–1
 * @param seed what, with the image id, seeds each image's random choices
 */
public record Shift(
    List<ShiftKind> kinds,
    OptionalDouble strength,
    long at,
    long until,
    double fraction,
    long seed) {
  /** The name that stands for every kind at once. */
  public static final String MIX = "mix";

  /** {@link #until()} of a shift that lasts to the end of the stream. */
  public static final long TO_THE_END = Long.MAX_VALUE;

  public Shift {
    kinds = List.copyOf(kinds);
    if (kinds.isEmpty()) {
      throw new ConfigException("--shift names no kind; known: " + known());
    }
    if (kinds.stream().distinct().count() != kinds.size()) {
      throw ConfigException.invalid("--shift", labels(kinds), "each kind at most once");
    }
    if (at < 0) {
      throw ConfigException.invalid("--shift-at", at, "0 or more (the index of an image)");
    }
    if (until <= at) {
      throw ConfigException.invalid(
          "--shift-until", until, "more than --shift-at (" + at + "): the first clean image after");
    }
    if (!(fraction >= 0 && fraction <= 1)) {
      throw ConfigException.invalid("--shift-fraction", fraction, "a fraction from 0 to 1");
    }
    if (strength.isPresent()) {
      double s = strength.getAsDouble();
      if (kinds.size() > 1) {
        throw new ConfigException(
            "--shift-strength applies to a single --shift kind; "
                + labels(kinds)
                + " measure strength in different units");
      }
      ShiftKind kind = kinds.get(0);
      if (!kind.hasStrength()) {
        throw new ConfigException("--shift-strength does not apply to " + kind.label());
      }
      if (!(s >= kind.minStrength() && s <= kind.maxStrength())) {
        throw ConfigException.invalid(
            "--shift-strength",
            s,
            "for "
                + kind.label()
                + " "
                + number(kind.minStrength())
                + " to "
                + number(kind.maxStrength())
                + " "
                + kind.unit());
      }
    }
  }

  /** A shift that lasts to the end of the stream. */
  public Shift(
      List<ShiftKind> kinds, OptionalDouble strength, long at, double fraction, long seed) {
    this(kinds, strength, at, TO_THE_END, fraction, seed);
  }

  /**
   * This shift ending before input {@code index}: the inputs from there on go unchanged.
   *
   * @throws ConfigException unless {@code index} is after {@link #at()}
   */
  public Shift until(long index) {
    return new Shift(kinds, strength, at, index, fraction, seed);
  }

  /**
   * Parses {@code --shift}: kind names separated by commas, or {@value #MIX} for all of them.
   *
   * @param strength null for the kinds' defaults
   * @throws ConfigException naming the unknown kind and the known ones
   */
  public static Shift parse(String kinds, Double strength, long at, double fraction, long seed) {
    List<ShiftKind> parsed = new ArrayList<>();
    for (String name : kinds.split(",", -1)) {
      if (name.trim().equalsIgnoreCase(MIX)) {
        parsed.addAll(Arrays.asList(ShiftKind.values()));
        continue;
      }
      ShiftKind kind = ShiftKind.byLabel(name);
      if (kind == null) {
        throw new ConfigException(
            "Invalid value '" + name.trim() + "' for --shift: expected one of " + known());
      }
      parsed.add(kind);
    }
    return new Shift(
        parsed,
        strength == null ? OptionalDouble.empty() : OptionalDouble.of(strength),
        at,
        fraction,
        seed);
  }

  /** Every name {@code --shift} accepts. */
  public static String known() {
    return Arrays.stream(ShiftKind.values()).map(ShiftKind::label).collect(Collectors.joining(", "))
        + " or "
        + MIX;
  }

  /** The strength {@code kind} is applied with. */
  public double strengthOf(ShiftKind kind) {
    return strength.orElse(kind.defaultStrength());
  }

  /**
   * Whether the input at {@code index} is distorted: from {@link #at()} on and before {@link
   * #until()}, the k-th input is when ⌈(k+1)·fraction⌉ passes ⌈k·fraction⌉, so the first one always
   * is and the share is exact over any stretch.
   */
  public boolean distorts(long index) {
    if (index < at || index >= until) {
      return false;
    }
    long k = index - at;
    return Math.ceil((k + 1) * fraction) > Math.ceil(k * fraction);
  }

  /**
   * The input at {@code index} as this shift leaves it: empty when it is not distorted (the caller
   * sends it unchanged), otherwise the kind applied and the new pixels.
   */
  public Optional<Distorted> apply(long index, String id, byte[] pixels) {
    if (!distorts(index)) {
      return Optional.empty();
    }
    Random random = new Random(imageSeed(id));
    ShiftKind kind = kinds.size() == 1 ? kinds.get(0) : kinds.get(random.nextInt(kinds.size()));
    return Optional.of(new Distorted(kind, kind.distort(pixels, strengthOf(kind), random)));
  }

  /** One line for people, e.g. {@code noise (σ 64 grey levels ...) on every image from 5,000}. */
  public String describe() {
    String what =
        kinds.size() == ShiftKind.values().length
            ? MIX + " (each image one of " + labels(kinds) + ", default strengths)"
            : kinds.stream().map(this::describe).collect(Collectors.joining(" or "));
    String share =
        fraction == 1
            ? "every image"
            : String.format(Locale.ROOT, "%s of the images", number(fraction));
    return until == TO_THE_END
        ? String.format(Locale.ROOT, "%s on %s from image %,d on", what, share, at)
        : String.format(Locale.ROOT, "%s on %s from image %,d to %,d", what, share, at, until - 1);
  }

  private String describe(ShiftKind kind) {
    return kind.hasStrength()
        ? kind.label() + " " + number(strengthOf(kind)) + " " + kind.unit()
        : kind.label();
  }

  /** A 64-bit mix of the seed and the id's UTF-8 bytes (FNV-1a, then SplitMix64's finaliser). */
  private long imageSeed(String id) {
    long h = 0xcbf29ce484222325L ^ seed;
    for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xFF)) * 0x100000001b3L;
    }
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }

  private static String labels(List<ShiftKind> kinds) {
    return kinds.stream().map(ShiftKind::label).collect(Collectors.joining(", "));
  }

  private static String number(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15
        ? String.valueOf((long) value)
        : String.valueOf(value);
  }

  /**
   * An image as a shift left it.
   *
   * @param kind what was done to it
   * @param pixels the new pixels
   */
  public record Distorted(ShiftKind kind, byte[] pixels) {
    public Distorted {
      pixels = pixels.clone();
    }

    @Override
    public byte[] pixels() {
      return pixels.clone();
    }

    /** Whether the image was replaced by one that shows no digit, so it has no true label. */
    public boolean replacedByNonDigit() {
      return kind == ShiftKind.NONDIGIT;
    }
  }
}
