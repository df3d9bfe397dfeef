package io.digitstream.topic;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The topics could not be checked, created or made ready; the message says which and why, and
 * {@link #problem()} lets a program choose its exit status or its own wording.
 */
public class TopicSetupException extends RuntimeException {

  /** What went wrong. */
  public enum Problem {
    /** Kafka did not answer in time. */
    UNREACHABLE,
    /** Topics are missing and creation is off; {@link #missing()} names them. */
    MISSING,
    /** Kafka refused to create a topic as planned (replication, partitions, configs, policy). */
    REFUSED,
    /** Image-keyed topics have different partition counts. */
    NOT_CO_PARTITIONED,
    /** Some partition still had no serving leader when time ran out. */
    NOT_READY,
    /** Stopped or interrupted while waiting. */
    STOPPED,
    /** Any other error from Kafka, e.g. authentication or authorization. */
    FAILED
  }

  private final Problem problem;
  private final Map<String, TopicRole> missing;

  public TopicSetupException(Problem problem, String message, Throwable cause) {
    this(problem, message, cause, Map.of());
  }

  TopicSetupException(
      Problem problem, String message, Throwable cause, Map<String, TopicRole> missing) {
    super(message, cause);
    this.problem = problem;
    this.missing = Collections.unmodifiableMap(new LinkedHashMap<>(missing));
  }

  public Problem problem() {
    return problem;
  }

  /** With {@link Problem#MISSING}: each missing topic's name with its role, in the asked order. */
  public Map<String, TopicRole> missing() {
    return missing;
  }

  /** The missing topics as {@code name (setting)}, comma-separated, e.g. for a message. */
  public String describeMissing() {
    return describe(missing);
  }

  static String describe(Map<String, TopicRole> topics) {
    List<String> described = new ArrayList<>();
    topics.forEach((name, role) -> described.add(name + " (" + role.settingsKey() + ")"));
    return String.join(", ", described);
  }
}
