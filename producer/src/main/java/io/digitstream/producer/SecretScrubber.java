package io.digitstream.producer;

import io.digitstream.config.Settings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Keeps secrets out of everything digitstream prints. A key is secret when {@link Settings} says so
 * or when Kafka itself types it as a password (which also covers {@code ssl.keystore.key}). Error
 * messages from Kafka or the JVM are scrubbed of every secret value, and of the quoted values
 * inside a JAAS line, before they are shown.
 */
final class SecretScrubber {
  private static final String HIDDEN = "[hidden]";
  private static final Pattern QUOTED = Pattern.compile("\"([^\"]{3,})\"");
  private static final ConfigDef PRODUCER = ProducerConfig.configDef();
  private static final ConfigDef ADMIN = AdminClientConfig.configDef();

  private final List<String> secrets;

  private SecretScrubber(List<String> secrets) {
    this.secrets = secrets;
  }

  static SecretScrubber of(Properties props) {
    List<String> secrets = new ArrayList<>();
    for (String key : props.stringPropertyNames()) {
      if (isSecret(key)) {
        String value = props.getProperty(key).trim();
        if (value.length() >= 3) {
          secrets.add(value);
        }
        Matcher quoted = QUOTED.matcher(value);
        while (quoted.find()) {
          secrets.add(quoted.group(1));
        }
      }
    }
    // Longest first, so a password inside a JAAS line never leaves part of the line behind.
    secrets.sort(Comparator.comparingInt(String::length).reversed());
    return new SecretScrubber(List.copyOf(secrets));
  }

  static boolean isSecret(String key) {
    return Settings.isSecret(key) || isPasswordType(PRODUCER, key) || isPasswordType(ADMIN, key);
  }

  private static boolean isPasswordType(ConfigDef def, String key) {
    ConfigDef.ConfigKey configKey = def.configKeys().get(key);
    return configKey != null && configKey.type == ConfigDef.Type.PASSWORD;
  }

  /** {@code message} with every secret value replaced by {@code [hidden]}. */
  String scrub(String message) {
    if (message == null) {
      return null;
    }
    String out = message;
    for (String secret : secrets) {
      out = out.replace(secret, HIDDEN);
    }
    return out;
  }

  /** A throwable as {@code Type: message}, scrubbed. */
  String describe(Throwable e) {
    String message = e.getMessage();
    return scrub(
        e.getClass().getSimpleName()
            + (message == null || message.isBlank() ? "" : ": " + message));
  }

  /** All settings as {@code key=value} lines for people, with every secret hidden. */
  static String describeSettings(Properties props) {
    Properties shown = new Properties();
    for (String key : props.stringPropertyNames()) {
      // Settings.describe hides its own secret keys; this adds the ones Kafka types as passwords.
      shown.setProperty(key, isSecret(key) ? HIDDEN : props.getProperty(key));
    }
    return Settings.describe(shown);
  }
}
