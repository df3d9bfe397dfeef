package io.digitstream.topic;

import io.digitstream.config.ConfigException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The names of every topic digitstream reads or writes. Each can be changed with its role's {@link
 * TopicRole#settingsKey() setting} ({@code digitstream.topic.<role>}, e.g. {@code
 * digitstream.topic.images=prod.digits.images}; the shadow predictions' {@code
 * digitstream.shadow.topic}).
 */
public record TopicNames(
    String images,
    String labels,
    String predictions,
    String shadowPredictions,
    String deadLetters,
    String accuracy,
    String models,
    String alerts) {

  public static final String PREFIX = "digitstream.topic.";
  private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  public TopicNames {
    for (TopicRole role : TopicRole.values()) {
      check(
          role,
          nameOf(
              role,
              images,
              labels,
              predictions,
              shadowPredictions,
              deadLetters,
              accuracy,
              models,
              alerts));
    }
  }

  /** The defaults: {@code digits.images}, {@code digits.labels}, {@code digits.predictions}, ... */
  public static TopicNames defaults() {
    return from(new Properties());
  }

  /** The defaults overridden by any role settings in {@code props}. */
  public static TopicNames from(Properties props) {
    Map<TopicRole, String> n = new EnumMap<>(TopicRole.class);
    for (TopicRole role : TopicRole.values()) {
      String name = props.getProperty(role.settingsKey(), role.defaultName());
      n.put(role, name == null ? null : name.trim());
    }
    return new TopicNames(
        n.get(TopicRole.IMAGES),
        n.get(TopicRole.LABELS),
        n.get(TopicRole.PREDICTIONS),
        n.get(TopicRole.SHADOW_PREDICTIONS),
        n.get(TopicRole.DLQ),
        n.get(TopicRole.ACCURACY),
        n.get(TopicRole.MODELS),
        n.get(TopicRole.ALERTS));
  }

  /** The name of the topic of {@code role}. */
  public String name(TopicRole role) {
    return nameOf(
        role,
        images,
        labels,
        predictions,
        shadowPredictions,
        deadLetters,
        accuracy,
        models,
        alerts);
  }

  /** Every role's topic name, in the registry's order. */
  public Map<TopicRole, String> byRole() {
    Map<TopicRole, String> m = new EnumMap<>(TopicRole.class);
    for (TopicRole role : TopicRole.values()) {
      m.put(role, name(role));
    }
    return Collections.unmodifiableMap(m);
  }

  private static String nameOf(
      TopicRole role,
      String images,
      String labels,
      String predictions,
      String shadowPredictions,
      String deadLetters,
      String accuracy,
      String models,
      String alerts) {
    return switch (role) {
      case IMAGES -> images;
      case LABELS -> labels;
      case PREDICTIONS -> predictions;
      case SHADOW_PREDICTIONS -> shadowPredictions;
      case DLQ -> deadLetters;
      case ACCURACY -> accuracy;
      case MODELS -> models;
      case ALERTS -> alerts;
    };
  }

  private static void check(TopicRole role, String name) {
    if (name == null || !LEGAL.matcher(name).matches() || name.equals(".") || name.equals("..")) {
      throw ConfigException.invalid(
          role.settingsKey(), name, "a Kafka topic name of 1-249 characters from [a-zA-Z0-9._-]");
    }
  }
}
