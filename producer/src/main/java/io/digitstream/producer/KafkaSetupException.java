package io.digitstream.producer;

/**
 * Kafka cannot take records yet: unreachable, a topic missing or without leaders, or a topic that
 * cannot be created as asked. The message says which and what to do; secrets are removed.
 */
final class KafkaSetupException extends Exception {
  private final boolean badSettings;

  KafkaSetupException(String message, boolean badSettings) {
    super(message);
    this.badSettings = badSettings;
  }

  /** True when the settings are at fault (e.g. a replication factor the cluster cannot meet). */
  boolean badSettings() {
    return badSettings;
  }
}
