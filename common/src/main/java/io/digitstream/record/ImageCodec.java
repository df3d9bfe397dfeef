package io.digitstream.record;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Base64;

/**
 * Reads images by hand from the JSON tree, so that every way a hand-written record can be wrong
 * gets its own message (which pixel, which value, which type).
 */
final class ImageCodec implements Codec<DigitImage> {
  static final ImageCodec INSTANCE = new ImageCodec();

  @Override
  public byte[] encode(DigitImage image) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("id", image.id());
    node.put("pixels", image.pixelsBase64());
    if (image.source() != null) {
      node.put("source", image.source());
    }
    try {
      return Json.MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public DigitImage decode(byte[] bytes) {
    RecordCodec.checkSize(bytes, "image");
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(bytes);
    } catch (IOException e) {
      String detail =
          e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      throw new InvalidRecordException("not valid JSON: " + detail, e);
    }
    if (root == null || !root.isObject()) {
      throw new InvalidRecordException(
          "expected a JSON object with id and pixels, got " + describe(root));
    }
    JsonNode id = root.get("id");
    if (id == null || id.isNull()) {
      throw new InvalidRecordException("id is missing");
    }
    if (!id.isTextual()) {
      throw new InvalidRecordException("id must be a string, got " + describe(id));
    }
    DigitImage.validateId(id.textValue());
    JsonNode source = root.get("source");
    if (source != null && !source.isNull() && !source.isTextual()) {
      throw new InvalidRecordException("source must be a string, got " + describe(source));
    }
    byte[] pixels = pixels(root.get("pixels"));
    return new DigitImage(
        id.textValue(), pixels, source == null || source.isNull() ? null : source.textValue());
  }

  private static byte[] pixels(JsonNode pixels) {
    if (pixels == null || pixels.isNull()) {
      throw new InvalidRecordException("pixels is missing");
    }
    if (pixels.isTextual()) {
      byte[] decoded;
      try {
        decoded = Base64.getDecoder().decode(pixels.textValue());
      } catch (IllegalArgumentException e) {
        throw new InvalidRecordException("pixels is not valid base64: " + e.getMessage(), e);
      }
      if (decoded.length != DigitImage.PIXELS) {
        throw new InvalidRecordException(
            "pixels must decode to " + DigitImage.PIXELS + " bytes (28x28), got " + decoded.length);
      }
      return decoded;
    }
    if (!pixels.isArray()) {
      throw new InvalidRecordException(
          "pixels must be a base64 string or an array of 784 integers 0-255, got "
              + describe(pixels));
    }
    if (pixels.size() != DigitImage.PIXELS) {
      throw new InvalidRecordException(
          "pixels must hold " + DigitImage.PIXELS + " values (28x28), got " + pixels.size());
    }
    byte[] out = new byte[DigitImage.PIXELS];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = pixels.get(i);
      if (!v.isIntegralNumber()) {
        throw new InvalidRecordException(
            "pixels[" + i + "] must be an integer 0-255, got " + describe(v));
      }
      if (!v.canConvertToInt() || v.intValue() < 0 || v.intValue() > 255) {
        throw new InvalidRecordException("pixels[" + i + "] is " + v.asText() + ", outside 0-255");
      }
      out[i] = (byte) v.intValue();
    }
    return out;
  }

  private static String describe(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    String text = node.toString();
    String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
    return node.getNodeType().toString().toLowerCase() + " " + shown;
  }
}
