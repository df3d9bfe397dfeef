package io.digitstream.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The models topic's record as a person would type it, and what is refused. */
class ModelAnnouncementTest {
  private static final String SHA =
      "86f3e9f8e71d6d3882fe58a22d4da88b8b8b94e99630f160516f51399d0080c4";
  private final Codec<ModelAnnouncement> codec = Codec.modelAnnouncements();

  @Test
  void readsAHandTypedAnnouncementAsActive() {
    ModelAnnouncement a =
        decode(
            "{\"version\":\"86f3e9f8e71d\",\"location\":\"/models/b\",\"sha256\":\""
                + SHA.toUpperCase()
                + "\"}");
    assertThat(a.role()).isEqualTo("active");
    assertThat(a.key()).isEqualTo("active");
    assertThat(a.sha256()).isEqualTo(SHA);
    assertThat(a.retire()).isFalse();
  }

  @Test
  void roundTripsAShadowAndARetirement() {
    ModelAnnouncement shadow =
        ModelAnnouncement.of("shadow", "86f3e9f8e71d", "file:/models/b", SHA, 1_763_790_000_000L);
    assertThat(codec.decode(codec.encode(shadow))).isEqualTo(shadow);
    ModelAnnouncement retire = ModelAnnouncement.retireShadow("86f3e9f8e71d", 1L);
    assertThat(codec.decode(codec.encode(retire))).isEqualTo(retire);
    assertThat(decode("{\"version\":\"x\",\"role\":\"shadow\",\"retire\":true}").retire()).isTrue();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"location\":\"/m\",\"sha256\":\"" + SHA + "\"}|version must be",
        "{\"version\":\"a b\",\"location\":\"/m\",\"sha256\":\"" + SHA + "\"}|version must be",
        "{\"version\":\"v\",\"sha256\":\"" + SHA + "\"}|location must name",
        "{\"version\":\"v\",\"location\":\"/m\",\"sha256\":\"abc\"}|sha256 must be 64 hex digits",
        "{\"version\":\"v\",\"location\":\"/m\",\"sha256\":\""
            + SHA
            + "\",\"role\":\"canary\"}"
            + "|role must be 'active' or 'shadow'",
        "{\"version\":\"v\",\"retire\":true}|only a shadow can be retired",
      })
  void refusesWhatCannotBeActedOn(String json, String reason) {
    assertThatThrownBy(() -> decode(json))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining(reason);
  }

  private ModelAnnouncement decode(String json) {
    return codec.decode(json.getBytes(StandardCharsets.UTF_8));
  }
}
