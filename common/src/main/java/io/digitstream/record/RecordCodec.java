package io.digitstream.record;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.io.IOException;
import java.io.UncheckedIOException;

/** A codec for a plain Java record, mapped field by field with {@link Json#MAPPER}. */
public final class RecordCodec<T> implements Codec<T> {
  private final Class<T> type;

  public RecordCodec(Class<T> type) {
    this.type = type;
  }

  @Override
  public byte[] encode(T value) {
    try {
      return Json.MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public T decode(byte[] bytes) {
    checkSize(bytes, type.getSimpleName());
    try {
      return Json.MAPPER.readValue(bytes, type);
    } catch (ValueInstantiationException e) {
      // The record's constructor refused it: its message is already the reason.
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new InvalidRecordException(cause.getMessage(), e);
    } catch (MismatchedInputException e) {
      String field =
          e.getPath().isEmpty() ? null : e.getPath().get(e.getPath().size() - 1).getFieldName();
      if (field != null && e.getOriginalMessage().contains("Cannot map `null`")) {
        throw new InvalidRecordException(field + " is missing or null", e);
      }
      throw new InvalidRecordException(
          "invalid "
              + displayName()
              + (field == null ? "" : " field " + field)
              + ": "
              + withoutJacksonAdvice(e.getOriginalMessage()),
          e);
    } catch (JsonProcessingException e) {
      throw new InvalidRecordException("not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new InvalidRecordException("unreadable record: " + e.getMessage(), e);
    }
  }

  /** Jackson appends advice about its own settings; a record's author cannot act on it. */
  private static String withoutJacksonAdvice(String message) {
    return message.replaceAll("\\s*\\((but could if|set DeserializationConfig)[^)]*\\)", "");
  }

  /** DigitLabel -> label: what users call the record. */
  private String displayName() {
    String simple = type.getSimpleName();
    return simple.startsWith("Digit") ? simple.substring(5).toLowerCase() : simple.toLowerCase();
  }

  private static String article(String noun) {
    return "aeiouAEIOU".indexOf(noun.charAt(0)) >= 0 ? "an" : "a";
  }

  static void checkSize(byte[] bytes, String what) {
    if (bytes == null) {
      throw new InvalidRecordException(
          "null value: expected " + article(what) + " " + what + " JSON object");
    }
    if (bytes.length == 0) {
      throw new InvalidRecordException(
          "empty value: expected " + article(what) + " " + what + " JSON object");
    }
    if (bytes.length > MAX_RECORD_BYTES) {
      throw new InvalidRecordException(
          "record of " + bytes.length + " bytes exceeds the limit of " + MAX_RECORD_BYTES);
    }
  }
}
