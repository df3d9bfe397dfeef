package io.digitstream.record;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A Kafka serde over a {@link Codec}; deserializing a null value throws, it never yields null. */
public final class JsonSerde<T> implements Serde<T> {
  private final Codec<T> codec;

  public JsonSerde(Codec<T> codec) {
    this.codec = codec;
  }

  public Codec<T> codec() {
    return codec;
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, value) -> value == null ? null : codec.encode(value);
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> codec.decode(bytes);
  }
}
