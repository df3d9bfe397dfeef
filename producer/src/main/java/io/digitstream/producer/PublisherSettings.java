package io.digitstream.producer;

import io.digitstream.config.ConfigException;
import io.digitstream.topic.TopicNames;
import io.digitstream.topic.TopicPlan;
import io.digitstream.topic.Topics;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The merged settings of a publisher, split into what the Kafka clients get and what digitstream
 * itself reads ({@code digitstream.*} keys), validated with messages that name the key.
 */
final class PublisherSettings {
  private static final String OWN_PREFIX = "digitstream.";
  private static final long DEFAULT_MAX_BLOCK_MS = 60_000;

  final Properties producer;
  final Properties admin;
  final Topics topics;
  final TopicPlan plan;
  final Duration metadataTimeout;
  final String bootstrapServers;
  final SecretScrubber scrubber;

  private PublisherSettings(Properties all) {
    scrubber = SecretScrubber.of(all);
    producer = new Properties();
    for (String key : all.stringPropertyNames()) {
      if (!key.startsWith(OWN_PREFIX)) {
        producer.setProperty(key, all.getProperty(key).trim());
      }
    }
    bootstrapServers = producer.getProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "").trim();
    if (bootstrapServers.isEmpty()) {
      throw ConfigException.invalid(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "", "host:port[,host:port...]");
    }
    requireNoLossSettings(producer);
    metadataTimeout = Duration.ofMillis(maxBlockMs(producer));
    admin = adminProperties(producer);
    try {
      topics = new Topics(TopicNames.from(all));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
    plan =
        new TopicPlan(
            booleanSetting(all, DigitPublisher.CREATE_TOPICS),
            optionalInt(all, DigitPublisher.PARTITIONS, 1, 1_000_000),
            optionalInt(all, DigitPublisher.REPLICATION_FACTOR, 1, Short.MAX_VALUE)
                .map(Integer::shortValue));
  }

  static PublisherSettings parse(Map<String, String> defaults, Properties given) {
    Properties all = new Properties();
    all.putAll(defaults);
    for (String key : given.stringPropertyNames()) {
      all.setProperty(key, given.getProperty(key));
    }
    return new PublisherSettings(all);
  }

  /** Settings that would let a record be lost or duplicated without anyone noticing. */
  private static void requireNoLossSettings(Properties producer) {
    String acks = producer.getProperty(ProducerConfig.ACKS_CONFIG, "all").trim();
    if (!acks.equalsIgnoreCase("all") && !acks.equals("-1")) {
      throw ConfigException.invalid(
          ProducerConfig.ACKS_CONFIG,
          acks,
          "all (the producer only counts a record as sent once every in-sync replica has it)");
    }
    String idempotence =
        producer.getProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true").trim();
    if (!idempotence.equalsIgnoreCase("true")) {
      throw ConfigException.invalid(
          ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
          idempotence,
          "true (retries must not duplicate or reorder records)");
    }
  }

  private static long maxBlockMs(Properties producer) {
    String raw = producer.getProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG);
    if (raw == null) {
      return DEFAULT_MAX_BLOCK_MS;
    }
    try {
      long value = Long.parseLong(raw.trim());
      if (value >= 1) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ConfigException.invalid(
        ProducerConfig.MAX_BLOCK_MS_CONFIG, raw, "milliseconds, 1 or more");
  }

  /** The producer's settings without the ones only a producer knows, which Admin would log. */
  private static Properties adminProperties(Properties producer) {
    Set<String> adminKeys = AdminClientConfig.configNames();
    Set<String> producerKeys = ProducerConfig.configNames();
    Properties admin = new Properties();
    for (String key : producer.stringPropertyNames()) {
      // Keys neither client knows (plugin settings) go to both, as Kafka passes them to plugins.
      if (adminKeys.contains(key) || !producerKeys.contains(key)) {
        admin.setProperty(key, producer.getProperty(key));
      }
    }
    String clientId = producer.getProperty(ProducerConfig.CLIENT_ID_CONFIG);
    if (clientId != null && !clientId.isBlank()) {
      admin.setProperty(AdminClientConfig.CLIENT_ID_CONFIG, clientId + "-admin");
    }
    return admin;
  }

  private static boolean booleanSetting(Properties all, String key) {
    String raw = all.getProperty(key, "").trim().toLowerCase(Locale.ROOT);
    if (raw.equals("true") || raw.equals("false")) {
      return Boolean.parseBoolean(raw);
    }
    throw ConfigException.invalid(key, all.getProperty(key), "true or false");
  }

  /** An int in range, or empty when unset or blank (the broker's default then applies). */
  private static Optional<Integer> optionalInt(Properties all, String key, int min, int max) {
    String raw = all.getProperty(key);
    if (raw == null || raw.isBlank()) {
      return Optional.empty();
    }
    String expected =
        "an integer between " + min + " and " + max + ", or empty for the broker's default";
    try {
      int value = Integer.parseInt(raw.trim());
      if (value >= min && value <= max) {
        return Optional.of(value);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ConfigException.invalid(key, raw, expected);
  }
}
