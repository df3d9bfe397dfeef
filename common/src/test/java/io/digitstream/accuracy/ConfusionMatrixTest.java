package io.digitstream.accuracy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.digitstream.record.Json;
import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {
  @Test
  void countsAccuracyPrecisionAndRecall() {
    ConfusionMatrix m = ConfusionMatrix.empty().plus(1, 1).plus(1, 1).plus(1, 7).plus(7, 7);
    assertThat(m.count()).isEqualTo(4);
    assertThat(m.correct()).isEqualTo(3);
    assertThat(m.accuracy()).isEqualTo(0.75);
    assertThat(m.recall()[1]).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(m.precision()[7]).isEqualTo(0.5);
    assertThat(m.precision()[3]).isZero();
    assertThat(ConfusionMatrix.empty().count()).isZero();
  }

  @Test
  void mergesPartialMatricesCellByCell() {
    ConfusionMatrix a = ConfusionMatrix.empty().plus(2, 2).plus(3, 5);
    ConfusionMatrix b = ConfusionMatrix.empty().plus(3, 5).plus(9, 9);
    ConfusionMatrix sum = a.plus(b);
    assertThat(sum.get(3, 5)).isEqualTo(2);
    assertThat(sum.count()).isEqualTo(4);
    assertThat(a.count()).isEqualTo(2);
  }

  @Test
  void roundTripsThroughJsonWithItsDerivedFigures() throws Exception {
    ConfusionMatrix m = ConfusionMatrix.empty().plus(0, 0).plus(4, 9);
    String json = Json.MAPPER.writeValueAsString(m);
    assertThat(json).startsWith("{\"count\":2,\"correct\":1,\"accuracy\":0.5,\"matrix\":[[1,0");
    assertThat(Json.MAPPER.readValue(json, ConfusionMatrix.class)).isEqualTo(m);
  }
}
