package io.digitstream.producer;

/**
 * A record that Kafka did not acknowledge.
 *
 * @param id the image id (the record's key)
 * @param topic the topic it was sent to
 * @param error the exception type and message, secrets removed
 */
public record FailedSend(String id, String topic, String error) {}
