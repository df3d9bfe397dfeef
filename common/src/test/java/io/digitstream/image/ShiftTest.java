package io.digitstream.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.config.ConfigException;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class ShiftTest {
  /** A thick upright bar, 4 columns by 20 rows of full ink: a crude "1". */
  static byte[] bar() {
    byte[] pixels = new byte[784];
    for (int y = 4; y < 24; y++) {
      for (int x = 12; x < 16; x++) {
        pixels[y * 28 + x] = (byte) 255;
      }
    }
    return pixels;
  }

  private static InputStats distorted(ShiftKind kind) {
    Shift shift = new Shift(List.of(kind), OptionalDouble.empty(), 0, 1, 42);
    return InputStats.of(shift.apply(0, "img-1", bar()).orElseThrow().pixels());
  }

  @Test
  void parsesKindsAndMixStandsForEveryKind() {
    assertThat(Shift.parse("rotate, Noise", null, 0, 1, 1).kinds())
        .containsExactly(ShiftKind.ROTATE, ShiftKind.NOISE);
    assertThat(Shift.parse("mix", null, 0, 1, 1).kinds()).containsExactly(ShiftKind.values());
  }

  @Test
  void anUnknownKindIsRefusedNamingTheKnownOnes() {
    assertThatThrownBy(() -> Shift.parse("rotate,wobble", null, 0, 1, 1))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid value 'wobble' for --shift: expected one of rotate, noise, blur, thicken,"
                + " invert, nondigit or mix");
    assertThatThrownBy(() -> Shift.parse("noise,noise", null, 0, 1, 1))
        .hasMessageContaining("each kind at most once");
  }

  @Test
  void refusesANegativeStartAFractionOutsideZeroToOneAndAStrengthThatCannotApply() {
    assertThatThrownBy(() -> Shift.parse("noise", null, -1, 1, 1))
        .hasMessage(
            "Invalid value '-1' for --shift-at: expected 0 or more (the index of an image)");
    assertThatThrownBy(() -> Shift.parse("noise", null, 0, 1.5, 1))
        .hasMessage("Invalid value '1.5' for --shift-fraction: expected a fraction from 0 to 1");
    assertThatThrownBy(() -> Shift.parse("noise", null, 0, Double.NaN, 1))
        .hasMessageContaining("--shift-fraction");
    assertThatThrownBy(() -> Shift.parse("rotate,blur", 10.0, 0, 1, 1))
        .hasMessageContaining("--shift-strength applies to a single --shift kind");
    assertThatThrownBy(() -> Shift.parse("invert", 1.0, 0, 1, 1))
        .hasMessage("--shift-strength does not apply to invert");
    assertThatThrownBy(() -> Shift.parse("blur", 9.0, 0, 1, 1))
        .hasMessage(
            "Invalid value '9.0' for --shift-strength: expected for blur 0 to 5 pixels (blur σ)");
  }

  @Test
  void distortsNothingBeforeItsStartAndAnExactEvenlySpacedShareAfter() {
    Shift half = Shift.parse("noise", null, 100, 0.5, 1);
    assertThat(LongStream.range(0, 100).filter(half::distorts)).isEmpty();
    assertThat(half.distorts(100)).as("the first image from --shift-at on").isTrue();
    assertThat(LongStream.range(100, 200).filter(half::distorts)).hasSize(50);
    assertThat(half.distorts(101)).isFalse();
    assertThat(half.distorts(102)).isTrue();
    Shift tenth = Shift.parse("noise", null, 0, 0.1, 1);
    assertThat(LongStream.range(0, 1000).filter(tenth::distorts)).hasSize(100);
    assertThat(LongStream.range(0, 50).filter(Shift.parse("noise", null, 0, 1, 1)::distorts))
        .hasSize(50);
    assertThat(LongStream.range(0, 50).filter(Shift.parse("noise", null, 0, 0, 1)::distorts))
        .isEmpty();
  }

  @Test
  void severalKindsShareTheImagesAboutEvenly() {
    Shift shift = Shift.parse("rotate,invert", null, 0, 1, 3);
    Map<ShiftKind, Integer> counts = new TreeMap<>();
    for (int i = 0; i < 1000; i++) {
      counts.merge(shift.apply(i, "id-" + i, bar()).orElseThrow().kind(), 1, Integer::sum);
    }
    assertThat(counts.keySet()).containsExactly(ShiftKind.ROTATE, ShiftKind.INVERT);
    assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(430, 570));
  }

  @Test
  void eachDefaultMovesTheFiguresAMonitorWatches() {
    InputStats clean = InputStats.of(bar());
    // Turned 45°: the bar's box grows wide.
    assertThat(distorted(ShiftKind.ROTATE).inkWidth()).isGreaterThan(clean.inkWidth() + 8);
    // Noise: about half of the background is no longer 0 (the other half clips at 0).
    assertThat(distorted(ShiftKind.NOISE).intensity()[0]).isLessThan(clean.intensity()[0] * 6 / 10);
    // Blur: full-ink pixels become rare, greys appear.
    assertThat(distorted(ShiftKind.BLUR).intensity()[9]).isLessThan(clean.intensity()[9] / 2);
    // Thicker strokes: about twice the ink.
    assertThat(distorted(ShiftKind.THICKEN).inkMass()).isGreaterThan(1.8 * clean.inkMass());
    // Inverted: ink everywhere but where the bar was.
    assertThat(distorted(ShiftKind.INVERT).inkMass()).isEqualTo(784 - clean.inkMass());
    assertThat(distorted(ShiftKind.NONDIGIT).inkMass()).isPositive();
  }

  @Test
  void rotatingByNinetyDegreesLaysTheBarDown() {
    byte[] turned = ShiftKind.ROTATE.distort(bar(), 90, new Random(1));
    InputStats stats = InputStats.of(turned);
    assertThat(stats.inkWidth()).isEqualTo(20);
    assertThat(stats.inkHeight()).isEqualTo(4);
    assertThat(stats.inkMass()).isEqualTo(InputStats.of(bar()).inkMass());
  }

  @Test
  void aNegativeThickeningThinsTheStrokes() {
    byte[] thinner = ShiftKind.THICKEN.distort(bar(), -1, new Random(1));
    assertThat(InputStats.of(thinner).inkWidth()).isEqualTo(2);
    assertThat(InputStats.of(thinner).inkHeight()).isEqualTo(18);
  }

  @Test
  void endsBeforeItsUntilAndRefusesAnEndNotAfterItsStart() {
    Shift window = Shift.parse("noise", null, 100, 1, 1).until(150);
    assertThat(LongStream.range(0, 300).filter(window::distorts).boxed())
        .containsExactlyElementsOf(LongStream.range(100, 150).boxed().toList());
    Shift half = Shift.parse("noise", null, 100, 0.5, 1);
    assertThat(LongStream.range(0, 300).filter(half.until(200)::distorts))
        .as("the same images as without an end, up to it")
        .containsExactlyElementsOf(
            LongStream.range(0, 200).filter(half::distorts).boxed().toList());
    assertThatThrownBy(() -> Shift.parse("noise", null, 100, 1, 1).until(100))
        .hasMessage(
            "Invalid value '100' for --shift-until: expected more than --shift-at (100): the first"
                + " clean image after");
    assertThat(window.describe()).endsWith("on every image from image 100 to 149");
  }

  @Test
  void describesWhatItDoesInOneLine() {
    assertThat(Shift.parse("noise", null, 5000, 1, 1).describe())
        .isEqualTo(
            "noise 64 grey levels (noise σ; strength/1000 of the pixels salt and pepper) on every"
                + " image from image 5,000 on");
    assertThat(Shift.parse("rotate,invert", null, 0, 0.5, 1).describe())
        .isEqualTo("rotate 45 degrees or invert on 0.5 of the images from image 0 on");
    assertThat(Shift.parse("mix", null, 10, 1, 1).describe()).startsWith("mix (each image one of");
  }
}
