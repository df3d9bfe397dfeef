package io.digitstream.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Kafka-style configuration shared by every digitstream program, in increasing precedence:
 * defaults, a properties file, environment variables {@code DIGITSTREAM_*}, then command-line
 * values ({@code -X key=value} and dedicated flags). A variable becomes a key by lower-casing it
 * and turning underscores into dots; names that start with one of digitstream's own namespaces
 * ({@link #OWN_NAMESPACES}) become {@code digitstream.*} keys, the rest Kafka client keys: {@code
 * DIGITSTREAM_BOOTSTRAP_SERVERS} sets {@code bootstrap.servers}, {@code DIGITSTREAM_TOPIC_IMAGES}
 * sets {@code digitstream.topic.images}. Values are passed to Kafka clients untouched.
 */
public final class Settings {
  public static final String ENV_PREFIX = "DIGITSTREAM_";

  /**
   * Beginnings of digitstream's own keys (after {@code digitstream.}); no Kafka client key starts
   * with one of them ({@code batch.size} is Kafka's, {@code batch.max.size} ours).
   */
  public static final java.util.List<String> OWN_NAMESPACES =
      java.util.List.of(
          "topic.",
          "topics.",
          "model",
          "batch.max.",
          "native.",
          "http.",
          "join.",
          "accuracy.",
          "shadow.",
          "demo.");

  private static final Pattern SECRET =
      Pattern.compile(
          "(?i).*(password|secret|jaas|credential|token|key\\.pem|keystore\\.key|private|api\\.key).*");

  private Settings() {}

  /**
   * Merges the layers into one {@link Properties}.
   *
   * @param defaults lowest precedence
   * @param file a properties file, or null
   * @param env the environment (usually {@code System.getenv()})
   * @param overrides highest precedence, e.g. from {@code -X key=value}
   */
  public static Properties load(
      Map<String, String> defaults,
      Path file,
      Map<String, String> env,
      Map<String, String> overrides) {
    Properties props = new Properties();
    props.putAll(defaults);
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new ConfigException("Config file " + file + " does not exist or is not a file");
      }
      Properties fromFile = new Properties();
      try (Reader reader = Files.newBufferedReader(file)) {
        fromFile.load(reader);
      } catch (IOException | IllegalArgumentException e) {
        throw new ConfigException("Cannot read config file " + file + ": " + e.getMessage());
      }
      for (String key : fromFile.stringPropertyNames()) {
        props.setProperty(key.trim(), fromFile.getProperty(key).trim());
      }
    }
    fromEnvironment(env).forEach(props::setProperty);
    overrides.forEach(props::setProperty);
    return props;
  }

  /**
   * {@code DIGITSTREAM_BATCH_MAX_SIZE=v} becomes {@code digitstream.batch.max.size=v} (an own
   * namespace), {@code DIGITSTREAM_LINGER_MS=v} becomes the Kafka key {@code linger.ms=v}.
   */
  public static Map<String, String> fromEnvironment(Map<String, String> env) {
    Map<String, String> out = new TreeMap<>();
    env.forEach(
        (name, value) -> {
          if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length()) {
            String key =
                name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
            boolean own = OWN_NAMESPACES.stream().anyMatch(key::startsWith);
            out.put(own ? "digitstream." + key : key, value);
          }
        });
    return out;
  }

  /** Parses {@code key=value} pairs from {@code -X} options, naming a malformed one. */
  public static Map<String, String> parsePairs(Iterable<String> pairs) {
    Map<String, String> out = new TreeMap<>();
    for (String pair : pairs) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException("Invalid -X option '" + pair + "': expected key=value");
      }
      out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
    return out;
  }

  /** True for keys whose values must never be printed or logged. */
  public static boolean isSecret(String key) {
    return SECRET.matcher(key).matches();
  }

  /** The value, or {@code [hidden]} for a secret key. */
  public static String redact(String key, String value) {
    return isSecret(key) ? "[hidden]" : value;
  }

  /** All settings as {@code key=value} lines, secrets hidden, for start-up logs. */
  public static String describe(Properties props) {
    StringBuilder sb = new StringBuilder();
    new TreeMap<>(props)
        .forEach(
            (k, v) ->
                sb.append(k).append('=').append(redact(k.toString(), v.toString())).append('\n'));
    return sb.toString();
  }

  /** An int setting, with a message naming the key and the accepted range when invalid. */
  public static int intValue(Properties props, String key, int min, int max) {
    String raw = props.getProperty(key);
    if (raw == null) {
      throw new ConfigException("Missing required setting " + key);
    }
    try {
      int v = Integer.parseInt(raw.trim());
      if (v < min || v > max) {
        throw ConfigException.invalid(key, raw, "an integer between " + min + " and " + max);
      }
      return v;
    } catch (NumberFormatException e) {
      throw ConfigException.invalid(key, raw, "an integer between " + min + " and " + max);
    }
  }

  /** A boolean setting: exactly {@code true} or {@code false}. */
  public static boolean booleanValue(Properties props, String key) {
    String raw = props.getProperty(key);
    if ("true".equalsIgnoreCase(raw)) {
      return true;
    }
    if ("false".equalsIgnoreCase(raw)) {
      return false;
    }
    throw ConfigException.invalid(key, raw, "true or false");
  }
}
