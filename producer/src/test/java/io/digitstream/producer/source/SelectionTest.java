package io.digitstream.producer.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.digitstream.config.ConfigException;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SelectionTest {

  @Test
  void takesLimitInputsFromTheOffsetInNaturalOrder() {
    assertThat(new Selection(3, 4, false, 0).indices(10, "images")).containsExactly(3, 4, 5, 6);
  }

  @Test
  void limitZeroTakesEverythingAfterTheOffset() {
    assertThat(new Selection(8, 0, false, 0).indices(10, "images")).containsExactly(8, 9);
  }

  @Test
  void aLimitPastTheEndStopsAtTheEnd() {
    assertThat(new Selection(7, 100, false, 0).indices(10, "images")).containsExactly(7, 8, 9);
  }

  @Test
  void theSameSeedAlwaysGivesTheSameOrder() {
    int[] first = new Selection(0, 0, true, 42).indices(1000, "images");
    int[] second = new Selection(0, 0, true, 42).indices(1000, "images");
    assertThat(first).isEqualTo(second);
    assertThat(first).isNotEqualTo(IntStream.range(0, 1000).toArray());
    assertThat(new Selection(0, 0, true, 43).indices(1000, "images")).isNotEqualTo(first);
  }

  @Test
  void theShuffleOrderIsFixedAcrossReleases() {
    // Pinned: java.util.Random's sequence is specified, so this order must never change.
    assertThat(new Selection(0, 0, true, 42).indices(8, "images"))
        .containsExactly(2, 6, 3, 1, 4, 0, 7, 5);
  }

  @Test
  void shufflesBeforeOffsetAndLimitSoWindowsAreDisjointSamples() {
    int[] all = new Selection(0, 0, true, 7).indices(100, "images");
    int[] first = new Selection(0, 30, true, 7).indices(100, "images");
    int[] second = new Selection(30, 30, true, 7).indices(100, "images");
    assertThat(first).containsExactly(Arrays.copyOfRange(all, 0, 30));
    assertThat(second).containsExactly(Arrays.copyOfRange(all, 30, 60));
    assertThat(IntStream.of(first).boxed().toList())
        .doesNotContainAnyElementsOf(IntStream.of(second).boxed().toList());
  }

  @Test
  void anOffsetPastTheEndNamesTheOptionAndTheSize() {
    assertThatThrownBy(() -> new Selection(10, 0, false, 0).indices(10, "images of mnist-test"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--offset")
        .hasMessageContaining("10 images of mnist-test");
  }

  @Test
  void negativeValuesNameTheOption() {
    assertThatThrownBy(() -> new Selection(-1, 0, false, 0)).hasMessageContaining("--offset");
    assertThatThrownBy(() -> new Selection(0, -5, false, 0)).hasMessageContaining("--limit");
  }
}
