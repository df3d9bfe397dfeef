package io.digitstream.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CodecTest {
  private static final Codec<DigitImage> IMAGES = Codec.images();

  private static byte[] pixels() {
    byte[] px = new byte[784];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) (i * 7);
    }
    return px;
  }

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void roundTripsAnImageWithBase64Pixels() {
    DigitImage image = new DigitImage("mnist-test-00042", pixels(), "mnist-test");
    byte[] bytes = IMAGES.encode(image);
    assertThat(new String(bytes, StandardCharsets.UTF_8))
        .startsWith("{\"id\":\"mnist-test-00042\",\"pixels\":\"");
    assertThat(IMAGES.decode(bytes)).isEqualTo(image);
  }

  @Test
  void acceptsPixelsAsAnIntegerArrayAndUnknownFields() {
    String array = String.join(",", Collections.nCopies(784, "255"));
    DigitImage image =
        IMAGES.decode(json("{\"id\":\"a\",\"pixels\":[" + array + "],\"trace\":\"x\"}"));
    assertThat(image.pixel(27, 27)).isEqualTo(255);
    assertThat(image.source()).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "not json | hello | not valid JSON",
        "truncated | {\"id\":\"a\",\"pix | not valid JSON",
        "array | [1,2] | expected a JSON object",
        "missing id | {\"pixels\":\"\"} | id is missing",
        "numeric id | {\"id\":5,\"pixels\":\"\"} | id must be a string",
        "empty id | {\"id\":\" \",\"pixels\":\"AAAA\"} | id is missing or empty",
        "missing pixels | {\"id\":\"a\"} | pixels is missing",
        "bad base64 | {\"id\":\"a\",\"pixels\":\"!!!\"} | not valid base64",
        "short base64 | {\"id\":\"a\",\"pixels\":\"AAAA\"} | got 3",
        "pixels object | {\"id\":\"a\",\"pixels\":{}} | base64 string or an array",
        "few values | {\"id\":\"a\",\"pixels\":[1,2,3]} | got 3",
        "trailing junk | {\"id\":\"a\"} x | not valid JSON",
      })
  void explainsWhatIsWrongWithABadImage(String kind, String value, String reason) {
    assertThatThrownBy(() -> IMAGES.decode(json(value)))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining(reason);
  }

  @Test
  void namesTheOffendingPixel() {
    List<String> values = new java.util.ArrayList<>(Collections.nCopies(784, "0"));
    values.set(100, "256");
    assertThatThrownBy(
            () ->
                IMAGES.decode(json("{\"id\":\"a\",\"pixels\":[" + String.join(",", values) + "]}")))
        .hasMessage("pixels[100] is 256, outside 0-255");
    values.set(100, "-1");
    assertThatThrownBy(
            () ->
                IMAGES.decode(json("{\"id\":\"a\",\"pixels\":[" + String.join(",", values) + "]}")))
        .hasMessage("pixels[100] is -1, outside 0-255");
    values.set(100, "1.5");
    assertThatThrownBy(
            () ->
                IMAGES.decode(json("{\"id\":\"a\",\"pixels\":[" + String.join(",", values) + "]}")))
        .hasMessageContaining("pixels[100] must be an integer 0-255");
    values.set(100, "\"7\"");
    assertThatThrownBy(
            () ->
                IMAGES.decode(json("{\"id\":\"a\",\"pixels\":[" + String.join(",", values) + "]}")))
        .hasMessageContaining("pixels[100] must be an integer");
  }

  @Test
  void refusesNullEmptyAndOversizedValues() {
    assertThatThrownBy(() -> IMAGES.decode(null)).hasMessageContaining("null value");
    assertThatThrownBy(() -> IMAGES.decode(new byte[0])).hasMessageContaining("empty value");
    assertThatThrownBy(() -> IMAGES.decode(new byte[Codec.MAX_RECORD_BYTES + 1]))
        .hasMessageContaining("exceeds the limit");
  }

  @Test
  void roundTripsLabelsAndRejectsDigitsOutsideZeroToNine() {
    Codec<DigitLabel> labels = Codec.labels();
    DigitLabel label = new DigitLabel("mnist-test-00001", 2);
    assertThat(new String(labels.encode(label), StandardCharsets.UTF_8))
        .isEqualTo("{\"id\":\"mnist-test-00001\",\"label\":2}");
    assertThat(labels.decode(labels.encode(label))).isEqualTo(label);
    assertThatThrownBy(() -> labels.decode(json("{\"id\":\"a\",\"label\":10}")))
        .hasMessage("label must be a digit 0-9, got 10");
    assertThatThrownBy(() -> labels.decode(json("{\"id\":\"a\",\"label\":\"x\"}")))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("label");
    assertThatThrownBy(() -> labels.decode(json("{\"id\":\"a\",\"label\":1.5}")))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> labels.decode(json("{\"label\":1}")))
        .hasMessageContaining("id is missing");
  }

  @Test
  void roundTripsPredictions() {
    float[] out = {0.01f, 0.02f, 0.9f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f, 0.01f};
    Prediction p = Prediction.fromProbabilities("id-1", out, "abc123", 1000L, 1005L);
    assertThat(p.digit()).isEqualTo(2);
    Codec<Prediction> codec = Codec.predictions();
    assertThat(codec.decode(codec.encode(p))).isEqualTo(p);
  }
}
