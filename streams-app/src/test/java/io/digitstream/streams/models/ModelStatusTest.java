package io.digitstream.streams.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.record.Json;
import io.digitstream.streams.models.ModelStatus.Handled;
import io.digitstream.streams.models.ModelStatus.Loaded;
import org.junit.jupiter.api.Test;

/** Each copy changes only what it names; the JSON is the documented {@code model} section. */
class ModelStatusTest {
  private static final Loaded A = new Loaded("aaaaaaaaaaaa", "/models/a", 1L);
  private static final Loaded B = new Loaded("bbbbbbbbbbbb", "/models/b", 2L);
  private static final Handled REFUSED =
      new Handled("cccccccccccc", "active", "refused", "checksum mismatch", 3L);

  @Test
  void startsWithOnlyTheActiveModel() {
    ModelStatus status = ModelStatus.serving(A);
    assertThat(status.active()).isEqualTo(A);
    assertThat(status.shadow()).isNull();
    assertThat(status.shadowVersion()).isNull();
    assertThat(status.shadowEnded()).isNull();
    assertThat(status.lastAnnouncement()).isNull();
  }

  @Test
  void anotherActiveModelKeepsTheShadowAndTheLatestAnnouncement() {
    ModelStatus status = ModelStatus.serving(A).withShadow(B).withLastAnnouncement(REFUSED);
    Loaded next = new Loaded("dddddddddddd", "/models/d", 4L);

    assertThat(status.withActive(next)).isEqualTo(new ModelStatus(next, B, null, REFUSED));
  }

  @Test
  void aShadowThatFailedIsClearedWithItsReasonUntilAnotherShadowComes() {
    ModelStatus ended =
        ModelStatus.serving(A).withShadow(B).withLastAnnouncement(REFUSED).withShadowEnded("oom");
    assertThat(ended).isEqualTo(new ModelStatus(A, null, "oom", REFUSED));

    assertThat(ended.withShadow(B).shadowEnded()).isNull();
    assertThat(ended.withShadow(null).shadowEnded()).isNull();
  }

  @Test
  void theLatestAnnouncementReplacesTheOneBeforeAndNothingElse() {
    ModelStatus status = new ModelStatus(A, B, null, REFUSED);
    Handled invalid = new Handled(null, null, "invalid", "not valid JSON", 5L);

    assertThat(status.withLastAnnouncement(invalid))
        .isEqualTo(new ModelStatus(A, B, null, invalid));
  }

  @Test
  void writesTheDocumentedJsonAndReadsItBack() throws Exception {
    ModelStatus status = ModelStatus.serving(A).withLastAnnouncement(REFUSED);

    String json = Json.MAPPER.writeValueAsString(status);

    assertThat(json)
        .isEqualTo(
            "{\"active\":{\"version\":\"aaaaaaaaaaaa\",\"location\":\"/models/a\",\"since\":1},"
                + "\"shadow\":null,\"shadowEnded\":null,"
                + "\"lastAnnouncement\":{\"version\":\"cccccccccccc\",\"role\":\"active\","
                + "\"outcome\":\"refused\",\"reason\":\"checksum mismatch\",\"at\":3},"
                + "\"quarantined\":[],\"retrying\":[],\"divergence\":null,\"degraded\":[]}");
    assertThat(Json.MAPPER.readValue(json, ModelStatus.class)).isEqualTo(status);
  }
}
