package io.digitstream.config;

/** Invalid configuration: the message names the key, the bad value and what was expected. */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  public static ConfigException invalid(String key, Object value, String expected) {
    return new ConfigException(
        "Invalid value '"
            + Settings.redact(key, String.valueOf(value))
            + "' for "
            + key
            + ": expected "
            + expected);
  }
}
