package io.digitstream.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {
  private final DurationConverter converter = new DurationConverter();

  @Test
  void readsDurationsAsPeopleTypeThem() {
    assertThat(converter.convert("0")).isEqualTo(Duration.ZERO);
    assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(converter.convert("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(converter.convert("3")).isEqualTo(Duration.ofSeconds(3));
    assertThat(converter.convert("1.5m")).isEqualTo(Duration.ofSeconds(90));
    assertThat(converter.convert("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(converter.convert("PT2.5S")).isEqualTo(Duration.ofMillis(2500));
  }

  @Test
  void refusesNegativeAndUnknownDurationsWithAnExample() {
    assertThatThrownBy(() -> converter.convert("-2s"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("500ms");
    assertThatThrownBy(() -> converter.convert("PT-2S"))
        .isInstanceOf(TypeConversionException.class);
    assertThatThrownBy(() -> converter.convert("soon")).isInstanceOf(TypeConversionException.class);
  }
}
