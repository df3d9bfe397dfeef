package io.digitstream.streams;

import io.digitstream.config.ConfigException;
import io.digitstream.topic.TopicNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the topics the application reads and writes exist before Kafka Streams starts: creates
 * the missing ones with the configured partitions and replication, or, when creation is off, fails
 * naming each missing topic and the key that names it. Waits until every partition has a leader,
 * because a producer that sends right after creation can lose its first batch (KAFKA-15591).
 */
final class TopicSetup {
  private static final Logger log = LoggerFactory.getLogger(TopicSetup.class);

  private final Admin admin;
  private final String cluster;
  private final Duration timeout;

  /**
   * @param cluster how to name the cluster in messages, e.g. its bootstrap servers
   */
  TopicSetup(Admin admin, String cluster, Duration timeout) {
    this.admin = admin;
    this.cluster = cluster;
    this.timeout = timeout;
  }

  /**
   * Ensures the topics of {@code roles} (roles as in {@code digitstream.topic.<role>}) exist.
   *
   * @return the topics this call created
   */
  List<String> ensure(
      TopicNames names, List<String> roles, boolean create, int partitions, short replication) {
    return ensure(names, roles, create, partitions, replication, Map.of());
  }

  /**
   * As {@link #ensure(TopicNames, List, boolean, int, short)}, creating missing topics with the
   * given topic configs (e.g. {@code cleanup.policy=compact}).
   */
  List<String> ensure(
      TopicNames names,
      List<String> roles,
      boolean create,
      int partitions,
      short replication,
      Map<String, String> configs) {
    Map<String, String> wanted = new LinkedHashMap<>();
    for (String role : roles) {
      wanted.put(TopicNames.PREFIX + role, names.byRole().get(role));
    }
    return ensureNamed(wanted, create, partitions, replication, configs);
  }

  /**
   * Ensures the topics of the roles exist, creating a missing one with its role's topic configs;
   * when creation is off, every missing topic is named at once.
   *
   * @return the topics this call created
   */
  List<String> ensure(
      TopicNames names,
      Map<String, Map<String, String>> configsByRole,
      boolean create,
      int partitions,
      short replication) {
    Map<String, String> wanted = new LinkedHashMap<>();
    Map<String, Map<String, String>> configsByTopic = new LinkedHashMap<>();
    configsByRole.forEach(
        (role, configs) -> {
          wanted.put(TopicNames.PREFIX + role, names.byRole().get(role));
          configsByTopic.put(names.byRole().get(role), configs);
        });
    return ensureNamed(
        wanted,
        create,
        partitions,
        replication,
        name -> configsByTopic.getOrDefault(name, Map.of()));
  }

  /**
   * Ensures the topics exist, each given with the key that names it (for messages), e.g. {@code
   * digitstream.topic.images -> digits.images}.
   *
   * @return the topics this call created
   */
  List<String> ensureNamed(
      Map<String, String> wanted,
      boolean create,
      int partitions,
      short replication,
      Map<String, String> configs) {
    return ensureNamed(wanted, create, partitions, replication, name -> configs);
  }

  private List<String> ensureNamed(
      Map<String, String> wanted,
      boolean create,
      int partitions,
      short replication,
      Function<String, Map<String, String>> configs) {
    Set<String> existing = get(admin.listTopics().names(), "listing topics");
    Map<String, String> missing = new LinkedHashMap<>(wanted);
    missing.values().removeAll(existing);
    if (missing.isEmpty()) {
      return List.of();
    }
    if (!create) {
      List<String> described = new ArrayList<>();
      missing.forEach((key, name) -> described.add(name + " (" + key + ")"));
      throw new ConfigException(
          "Missing topics: "
              + String.join(", ", described)
              + ". Create them, or set "
              + StreamsSettings.TOPICS_CREATE
              + "=true to let the application create them with "
              + partitions
              + " partitions and replication factor "
              + replication);
    }
    List<NewTopic> newTopics = new ArrayList<>();
    for (String name : missing.values()) {
      newTopics.add(new NewTopic(name, partitions, replication).configs(configs.apply(name)));
    }
    List<String> created = new ArrayList<>();
    admin
        .createTopics(newTopics)
        .values()
        .forEach(
            (name, future) -> {
              try {
                get(future, "creating topic " + name);
                created.add(name);
              } catch (TopicSetupException e) {
                // Another instance may have created it a moment ago; that is fine.
                if (!(e.getCause() instanceof TopicExistsException)) {
                  throw e;
                }
              }
            });
    awaitLeaders(missing.values());
    log.info(
        "Created topics {} with {} partitions, replication factor {}",
        created,
        partitions,
        replication);
    return created;
  }

  /**
   * Fails unless the topics of {@code roles} all have the same number of partitions: their records
   * are keyed by image id and must meet in the task of the same partition number.
   *
   * @return the common partition count
   */
  int requireSamePartitionCount(TopicNames names, List<String> roles) {
    Map<String, String> byName = new LinkedHashMap<>();
    for (String role : roles) {
      byName.put(names.byRole().get(role), role);
    }
    Map<String, TopicDescription> descriptions =
        get(
            admin.describeTopics(byName.keySet()).allTopicNames(),
            "describing topics " + byName.keySet());
    Map<String, Integer> counts = new LinkedHashMap<>();
    byName.keySet().forEach(name -> counts.put(name, descriptions.get(name).partitions().size()));
    if (counts.values().stream().distinct().count() > 1) {
      List<String> described = new ArrayList<>();
      counts.forEach(
          (name, n) ->
              described.add(
                  name
                      + " ("
                      + TopicNames.PREFIX
                      + byName.get(name)
                      + ") has "
                      + n
                      + " partitions"));
      throw new TopicSetupException(
          String.join(", ", described)
              + ": these topics are keyed by image id and must have the same number of"
              + " partitions, so that an image, its label and its prediction meet in one task."
              + " Recreate or expand the smaller ones.",
          null);
    }
    return counts.values().iterator().next();
  }

  private void awaitLeaders(Collection<String> topics) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!haveLeaders(topics)) {
      if (System.nanoTime() > deadline) {
        throw new TopicSetupException(
            "Topics "
                + topics
                + " on "
                + cluster
                + " still have partitions without a leader after "
                + timeout.toMillis()
                + " ms",
            null);
      }
      sleep(Duration.ofMillis(100));
    }
  }

  private boolean haveLeaders(Collection<String> topics) {
    Map<String, TopicDescription> descriptions;
    try {
      descriptions =
          get(admin.describeTopics(topics).allTopicNames(), "describing topics " + topics);
    } catch (TopicSetupException e) {
      // Just created: the broker may not know the topics yet (UnknownTopicOrPartition).
      if (e.getCause() instanceof RetriableException) {
        return false;
      }
      throw e;
    }
    return descriptions.values().stream()
        .flatMap(d -> d.partitions().stream())
        .map(TopicPartitionInfo::leader)
        .allMatch(leader -> leader != null && !leader.isEmpty());
  }

  private <T> T get(KafkaFuture<T> future, String what) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new TopicSetupException(
          what + " on " + cluster + " failed: " + cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new TopicSetupException(
          what + ": Kafka at " + cluster + " did not answer within " + timeout.toMillis() + " ms",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TopicSetupException(what + " was interrupted", e);
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TopicSetupException("interrupted while waiting for topic leaders", e);
    }
  }
}
