package io.digitstream.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.OptionalDouble;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.StringLength;

/** What every distortion promises, on generated images, strengths, seeds and ids. */
class ShiftPropertyTest {
  @Provide
  Arbitrary<byte[]> images() {
    // Sparse ink on blank paper, as digits are, and now and then fully random bytes.
    Arbitrary<byte[]> sparse =
        Arbitraries.integers()
            .between(0, 255)
            .list()
            .ofSize(784)
            .map(
                values -> {
                  byte[] pixels = new byte[784];
                  for (int i = 0; i < 784; i++) {
                    pixels[i] = (byte) (values.get(i) > 200 ? values.get(i) : 0);
                  }
                  return pixels;
                });
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofSize(784);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, sparse), net.jqwik.api.Tuple.of(1, random));
  }

  @Provide
  Arbitrary<Shift> shifts() {
    Arbitrary<ShiftKind> kind = Arbitraries.of(ShiftKind.class);
    return kind.flatMap(
        k -> {
          Arbitrary<OptionalDouble> strength =
              k.hasStrength()
                  ? Arbitraries.doubles()
                      .between(k.minStrength(), k.maxStrength())
                      .map(OptionalDouble::of)
                      .injectNull(0.2)
                      .map(s -> s == null ? OptionalDouble.empty() : s)
                  : Arbitraries.just(OptionalDouble.empty());
          return strength.flatMap(
              s -> Arbitraries.longs().map(seed -> new Shift(List.of(k), s, 0, 1, seed)));
        });
  }

  @Property(tries = 300)
  void alwaysGives784Bytes(
      @ForAll("images") byte[] pixels,
      @ForAll("shifts") Shift shift,
      @ForAll @AlphaChars @StringLength(min = 1, max = 20) String id) {
    assertThat(shift.apply(0, id, pixels).orElseThrow().pixels()).hasSize(784);
  }

  @Property(tries = 200)
  void theSameSeedAndIdGiveTheSameBytes(
      @ForAll("images") byte[] pixels,
      @ForAll("shifts") Shift shift,
      @ForAll @AlphaChars @StringLength(min = 1, max = 20) String id) {
    byte[] copy = pixels.clone();
    assertThat(shift.apply(3, id, pixels).orElseThrow().pixels())
        .isEqualTo(shift.apply(3, id, copy).orElseThrow().pixels());
    assertThat(pixels).as("the input is not changed").isEqualTo(copy);
  }

  @Property(tries = 200)
  void strengthZeroLeavesEveryImageAsItIs(
      @ForAll("images") byte[] pixels, @ForAll long seed, @ForAll("withStrength") ShiftKind kind) {
    assertThat(kind.distort(pixels, 0, new Random(seed))).isEqualTo(pixels);
  }

  @Provide
  Arbitrary<ShiftKind> withStrength() {
    return Arbitraries.of(ShiftKind.class).filter(ShiftKind::hasStrength);
  }

  @Property(tries = 100)
  void invertingTwiceGivesTheImageBack(@ForAll("images") byte[] pixels, @ForAll long seed) {
    Random random = new Random(seed);
    byte[] once = ShiftKind.INVERT.distort(pixels, Double.NaN, random);
    assertThat(ShiftKind.INVERT.distort(once, Double.NaN, random)).isEqualTo(pixels);
  }

  @Property(tries = 200)
  void aNonDigitNeverDependsOnTheImageAndIsNeverBlank(
      @ForAll("images") byte[] a, @ForAll("images") byte[] b, @ForAll long seed) {
    Shift shift = new Shift(List.of(ShiftKind.NONDIGIT), OptionalDouble.empty(), 0, 1, seed);
    byte[] fromA = shift.apply(0, "x", a).orElseThrow().pixels();
    assertThat(shift.apply(0, "x", b).orElseThrow().pixels()).isEqualTo(fromA);
    assertThat(InputStats.of(fromA).inkMass()).isGreaterThan(5);
  }

  @Property(tries = 100)
  void rotatingByZeroIsTheIdentity(@ForAll("images") byte[] pixels, @ForAll long seed) {
    assertThat(ShiftKind.ROTATE.distort(pixels, 0, new Random(seed))).isEqualTo(pixels);
  }

  @Property(tries = 100)
  void imagesBeforeTheStartAreNeverTouched(
      @ForAll("shifts") Shift shift, @ForAll("images") byte[] pixels) {
    Shift later = new Shift(shift.kinds(), shift.strength(), 10, shift.fraction(), shift.seed());
    for (int i = 0; i < 10; i++) {
      assertThat(later.apply(i, "id", pixels)).isEmpty();
    }
    assertThat(later.apply(10, "id", pixels)).isPresent();
  }
}
