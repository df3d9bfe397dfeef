package io.digitstream.topic;

import io.digitstream.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The names of every topic digitstream reads or writes. Each can be changed with a property {@code
 * digitstream.topic.<role>} (e.g. {@code digitstream.topic.images=prod.digits.images}).
 */
public record TopicNames(
    String images,
    String labels,
    String predictions,
    String deadLetters,
    String accuracy,
    String models) {

  public static final String PREFIX = "digitstream.topic.";
  private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  public TopicNames {
    for (Map.Entry<String, String> e :
        asMap(images, labels, predictions, deadLetters, accuracy, models).entrySet()) {
      check(e.getKey(), e.getValue());
    }
  }

  /** The defaults: {@code digits.images}, {@code digits.labels}, {@code digits.predictions}, ... */
  public static TopicNames defaults() {
    return new TopicNames(
        "digits.images",
        "digits.labels",
        "digits.predictions",
        "digits.images.dlq",
        "digits.accuracy",
        "digits.models");
  }

  /** The defaults overridden by any {@code digitstream.topic.*} keys in {@code props}. */
  public static TopicNames from(Properties props) {
    TopicNames d = defaults();
    return new TopicNames(
        props.getProperty(PREFIX + "images", d.images),
        props.getProperty(PREFIX + "labels", d.labels),
        props.getProperty(PREFIX + "predictions", d.predictions),
        props.getProperty(PREFIX + "dlq", d.deadLetters),
        props.getProperty(PREFIX + "accuracy", d.accuracy),
        props.getProperty(PREFIX + "models", d.models));
  }

  /** Role (as in the property key) to topic name. */
  public Map<String, String> byRole() {
    return asMap(images, labels, predictions, deadLetters, accuracy, models);
  }

  private static Map<String, String> asMap(
      String images,
      String labels,
      String predictions,
      String dlq,
      String accuracy,
      String models) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("images", images);
    m.put("labels", labels);
    m.put("predictions", predictions);
    m.put("dlq", dlq);
    m.put("accuracy", accuracy);
    m.put("models", models);
    return m;
  }

  private static void check(String role, String name) {
    if (name == null || !LEGAL.matcher(name).matches() || name.equals(".") || name.equals("..")) {
      throw ConfigException.invalid(
          PREFIX + role, name, "a Kafka topic name of 1-249 characters from [a-zA-Z0-9._-]");
    }
  }
}
