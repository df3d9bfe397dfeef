package io.digitstream.topic;

import io.digitstream.topic.TopicSetupException.Problem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the topics of some roles ready before a program reads or writes them: describes them,
 * creates the missing ones by their role's {@link TopicSpec} (or, when creation is off, fails
 * naming every missing one), checks that image-keyed topics are co-partitioned, and waits until
 * every partition has a leader that answers. Waiting matters: an idempotent producer whose first
 * request meets a partition its leader has not opened yet can have that batch rejected as out of
 * order until it expires (KAFKA-15591, still present in 4.3.1).
 *
 * <p>Safe to run from several instances at once: a topic another instance created a moment earlier
 * counts as existing.
 */
public final class TopicProvisioner {
  private static final Logger log = LoggerFactory.getLogger(TopicProvisioner.class);
  private static final long RETRY_MILLIS = 50;
  // Each admin call has its own timeout; the margin only guards against a lost answer.
  private static final long ANSWER_MARGIN_MILLIS = 5_000;

  private final Admin admin;
  private final String cluster;
  private final Duration timeout;
  private final String timeoutSetting;
  private final BooleanSupplier stopped;

  /**
   * @param cluster how to name the cluster in messages, e.g. its bootstrap servers
   * @param timeout how long each step may wait for Kafka
   */
  public TopicProvisioner(Admin admin, String cluster, Duration timeout) {
    this(admin, cluster, timeout, null, () -> false);
  }

  private TopicProvisioner(
      Admin admin,
      String cluster,
      Duration timeout,
      String timeoutSetting,
      BooleanSupplier stopped) {
    this.admin = admin;
    this.cluster = cluster;
    this.timeout = timeout;
    this.timeoutSetting = timeoutSetting;
    this.stopped = stopped;
  }

  /** Names the setting the timeout came from (e.g. {@code max.block.ms}) in messages. */
  public TopicProvisioner timeoutSetting(String key) {
    return new TopicProvisioner(admin, cluster, timeout, key, stopped);
  }

  /** Gives up with {@link Problem#STOPPED} as soon as {@code stop} turns true. */
  public TopicProvisioner stopWhen(BooleanSupplier stop) {
    return new TopicProvisioner(admin, cluster, timeout, timeoutSetting, stop);
  }

  /**
   * Makes the topics of {@code roles} exist, co-partitioned where their spec says so, with a
   * serving leader for every partition.
   *
   * @return the topics this call created
   * @throws TopicSetupException naming the topics and the reason
   */
  public List<String> ensure(TopicNames names, Collection<TopicRole> roles, TopicPlan plan) {
    Map<String, TopicRole> wanted = new LinkedHashMap<>();
    for (TopicRole role : roles) {
      wanted.putIfAbsent(names.name(role), role);
    }
    // Image-keyed topics take the images topic's count, so it is described even if not wanted.
    Map<String, TopicRole> described = new LinkedHashMap<>(wanted);
    if (wanted.values().stream().anyMatch(r -> r.spec().coPartitionedWithImages())) {
      described.putIfAbsent(names.images(), TopicRole.IMAGES);
    }
    Map<String, TopicDescription> existing = describeExisting(described.keySet());
    Optional<Integer> imageKeyed =
        existing.containsKey(names.images())
            ? Optional.of(existing.get(names.images()).partitions().size())
            : plan.partitions();
    // Without creation, what is missing is the error to report, whatever the counts.
    requireCoPartitioned(
        names.images(), described, existing, plan.create() ? imageKeyed : Optional.empty());
    warnAboutReplication(existing, plan);
    Map<String, TopicRole> missing = new LinkedHashMap<>(wanted);
    missing.keySet().removeAll(existing.keySet());
    List<String> created = List.of();
    if (!missing.isEmpty()) {
      if (!plan.create()) {
        throw new TopicSetupException(
            Problem.MISSING,
            "Missing topics on "
                + cluster
                + ": "
                + TopicSetupException.describe(missing)
                + "; topic creation is off ("
                + TopicPlan.CREATE
                + "=false)",
            null,
            missing);
      }
      created = create(missing, imageKeyed, plan);
    }
    // A racing instance may have created an image-keyed topic with another count.
    requireCoPartitioned(
        names.images(), wanted, awaitServing(List.copyOf(wanted.keySet())), Optional.empty());
    return created;
  }

  /** The replication factor of the topics created; empty for the broker's default. */
  private static Optional<Short> replicationFactor(TopicPlan plan) {
    return plan.replicationFactor();
  }

  private Map<String, TopicDescription> describeExisting(Collection<String> topics) {
    Map<String, KafkaFuture<TopicDescription>> described =
        admin
            .describeTopics(topics, new DescribeTopicsOptions().timeoutMs(timeoutMillis()))
            .topicNameValues();
    Map<String, TopicDescription> existing = new LinkedHashMap<>();
    for (String topic : topics) {
      try {
        existing.put(topic, await(described.get(topic), "checking topic " + topic));
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw failure("Cannot check topic " + topic, e.getCause());
        }
      }
    }
    return existing;
  }

  private List<String> create(
      Map<String, TopicRole> missing, Optional<Integer> imageKeyed, TopicPlan plan) {
    Replication chosen = replication(plan);
    log.info("Creating topics on {} with {}", cluster, chosen.describe());
    if (chosen.factor() > chosen.brokers()) {
      throw tooFewBrokers(chosen, missing.keySet());
    }
    Optional<Short> replication = Optional.of(chosen.factor());
    List<NewTopic> newTopics = new ArrayList<>();
    missing.forEach(
        (name, role) -> {
          Optional<Integer> partitions =
              switch (role.spec().partitions()) {
                case WITH_IMAGES -> imageKeyed;
                case CONFIGURED -> plan.partitions();
                case ONE -> Optional.of(1);
              };
          Map<String, String> configs = new LinkedHashMap<>(role.spec().configs());
          configs.putIfAbsent(
              TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(chosen.minInsync()));
          newTopics.add(new NewTopic(name, partitions, replication).configs(configs));
        });
    Map<String, KafkaFuture<Void>> results =
        admin
            .createTopics(newTopics, new CreateTopicsOptions().timeoutMs(timeoutMillis()))
            .values();
    List<String> created = new ArrayList<>();
    for (NewTopic topic : newTopics) {
      try {
        await(results.get(topic.name()), "creating topic " + topic.name());
        created.add(topic.name());
        log.info(
            "Created topic {} on {} ({} partitions, replication factor {}, configs {})",
            topic.name(),
            cluster,
            topic.numPartitions() < 0 ? "default" : topic.numPartitions(),
            topic.replicationFactor() < 0 ? "default" : topic.replicationFactor(),
            topic.configs());
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        // Another instance may have created it between our check and our request.
        if (cause instanceof TopicExistsException) {
          continue;
        }
        if (cause instanceof TimeoutException) {
          throw failure("Cannot create topic " + topic.name(), cause);
        }
        boolean refused =
            cause instanceof InvalidReplicationFactorException
                || cause instanceof InvalidPartitionsException
                || cause instanceof InvalidConfigurationException
                || cause instanceof PolicyViolationException;
        throw new TopicSetupException(
            refused ? Problem.REFUSED : Problem.FAILED,
            "Cannot create topic "
                + topic.name()
                + " ("
                + describe(topic)
                + ") on "
                + cluster
                + ": "
                + describe(cause),
            cause);
      }
    }
    return created;
  }

  /**
   * The replication of the topics this provisioner creates: {@code plan}'s, or chosen from the
   * number of brokers the cluster has now.
   */
  public Replication replication(TopicPlan plan) {
    int brokers;
    try {
      brokers =
          await(
                  admin
                      .describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMillis()))
                      .nodes(),
                  "describing the cluster")
              .size();
    } catch (ExecutionException e) {
      throw failure("Cannot count the brokers", e.getCause());
    }
    return Replication.choose(plan, brokers);
  }

  /** Kafka would refuse each topic alone; one message naming the setting is clearer. */
  private TopicSetupException tooFewBrokers(Replication chosen, Collection<String> topics) {
    return new TopicSetupException(
        Problem.REFUSED,
        "Cannot create topics "
            + String.join(", ", topics)
            + ": replication factor "
            + chosen.factor()
            + " ("
            + TopicPlan.REPLICATION_FACTOR
            + ") is more than the "
            + chosen.brokers()
            + " broker(s) of "
            + cluster,
        null);
  }

  /**
   * Fails unless every existing image-keyed topic has the images topic's count (or, while the
   * images topic is missing, the count it will be created with): their records are keyed by image
   * id and must meet in the task of the same partition number.
   */
  private static void requireCoPartitioned(
      String images,
      Map<String, TopicRole> topics,
      Map<String, TopicDescription> descriptions,
      Optional<Integer> plannedImages) {
    List<String> keyed = new ArrayList<>();
    topics.forEach(
        (name, role) -> {
          if (role.spec().coPartitionedWithImages() && descriptions.containsKey(name)) {
            keyed.add(name);
          }
        });
    List<String> described = new ArrayList<>();
    int reference;
    if (descriptions.containsKey(images)) {
      reference = descriptions.get(images).partitions().size();
    } else if (plannedImages.isPresent()) {
      reference = plannedImages.get();
      described.add(
          images
              + " ("
              + TopicRole.IMAGES.settingsKey()
              + ") would be created with "
              + reference
              + " partitions");
    } else if (!keyed.isEmpty()) {
      reference = descriptions.get(keyed.get(0)).partitions().size();
    } else {
      return;
    }
    if (keyed.remove(images)) {
      keyed.add(0, images);
    }
    for (String name : keyed) {
      int count = descriptions.get(name).partitions().size();
      if (described.isEmpty() || count != reference) {
        described.add(
            name + " (" + topics.get(name).settingsKey() + ") has " + count + " partitions");
      }
    }
    if (described.size() > 1) {
      throw new TopicSetupException(
          Problem.NOT_CO_PARTITIONED,
          String.join(", ", described)
              + ": these topics are keyed by image id and must have the same number of"
              + " partitions, so that an image, its label and its prediction meet in one task."
              + " Recreate or expand the smaller ones.",
          null);
    }
  }

  private void warnAboutReplication(Map<String, TopicDescription> existing, TopicPlan plan) {
    Optional<Short> wanted = replicationFactor(plan);
    if (wanted.isEmpty()) {
      return;
    }
    existing.forEach(
        (name, description) -> {
          int replicas = description.partitions().get(0).replicas().size();
          if (replicas < wanted.get()) {
            log.warn(
                "Topic {} on {} has replication factor {}, less than {}={}; Kafka does not"
                    + " change it by itself",
                name,
                cluster,
                replicas,
                TopicPlan.REPLICATION_FACTOR,
                wanted.get());
          }
        });
  }

  /** Every partition has a leader that answers ListOffsets, which only an open replica does. */
  private Map<String, TopicDescription> awaitServing(List<String> topics) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Throwable lastProblem = null;
    String waitingFor = "leaders";
    while (true) {
      try {
        Map<String, TopicDescription> descriptions =
            await(
                admin
                    .describeTopics(
                        topics, new DescribeTopicsOptions().timeoutMs(remainingMillis(deadline)))
                    .allTopicNames(),
                "describing topics " + topics);
        Map<TopicPartition, OffsetSpec> partitions = new LinkedHashMap<>();
        String leaderless = null;
        for (TopicDescription description : descriptions.values()) {
          for (TopicPartitionInfo p : description.partitions()) {
            if (p.leader() == null || p.leader().isEmpty()) {
              leaderless = description.name() + "-" + p.partition();
            }
            partitions.put(
                new TopicPartition(description.name(), p.partition()), OffsetSpec.latest());
          }
        }
        if (leaderless == null) {
          await(
              admin
                  .listOffsets(
                      partitions, new ListOffsetsOptions().timeoutMs(remainingMillis(deadline)))
                  .all(),
              "listing the offsets of " + topics);
          return descriptions;
        }
        waitingFor = "a leader for partition " + leaderless;
      } catch (ExecutionException e) {
        // Right after creation a topic may still be unknown to the broker answering: retriable.
        if (!(e.getCause() instanceof RetriableException)) {
          throw failure(
              "Cannot check the partitions of " + String.join(", ", topics), e.getCause());
        }
        lastProblem = e.getCause();
      }
      if (System.nanoTime() >= deadline) {
        throw new TopicSetupException(
            Problem.NOT_READY,
            "Topics "
                + String.join(", ", topics)
                + " on "
                + cluster
                + " were not ready after "
                + timeoutText()
                + ": still waiting for "
                + waitingFor
                + (lastProblem == null ? "" : " (" + describe(lastProblem) + ")"),
            lastProblem);
      }
      pause("waiting for the leaders of " + topics);
    }
  }

  /** The future's value; gives up when stopped, or when Kafka never answers at all. */
  private <T> T await(KafkaFuture<T> future, String what) throws ExecutionException {
    long deadline =
        System.nanoTime() + timeout.toNanos() + TimeUnit.MILLISECONDS.toNanos(ANSWER_MARGIN_MILLIS);
    while (true) {
      throwIfStopped(what);
      try {
        return future.get(RETRY_MILLIS, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        if (System.nanoTime() >= deadline) {
          throw new ExecutionException(new TimeoutException("no answer from Kafka"));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TopicSetupException(Problem.STOPPED, "Interrupted while " + what, e);
      }
    }
  }

  private void pause(String what) {
    throwIfStopped(what);
    try {
      Thread.sleep(RETRY_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TopicSetupException(Problem.STOPPED, "Interrupted while " + what, e);
    }
  }

  private void throwIfStopped(String what) {
    if (stopped.getAsBoolean()) {
      throw new TopicSetupException(Problem.STOPPED, "Stopped while " + what, null);
    }
  }

  private TopicSetupException failure(String what, Throwable cause) {
    if (cause instanceof TimeoutException) {
      return new TopicSetupException(
          Problem.UNREACHABLE,
          "Cannot reach Kafka at "
              + cluster
              + " within "
              + timeoutText()
              + ". Is the broker running and bootstrap.servers right? ("
              + describe(cause)
              + ")",
          cause);
    }
    return new TopicSetupException(
        Problem.FAILED, what + " on " + cluster + ": " + describe(cause), cause);
  }

  private String timeoutText() {
    return timeout.toMillis() + " ms" + (timeoutSetting == null ? "" : " (" + timeoutSetting + ")");
  }

  private static String describe(NewTopic topic) {
    return (topic.numPartitions() < 0 ? "default" : String.valueOf(topic.numPartitions()))
        + " partitions, "
        + (topic.replicationFactor() < 0
            ? "default replication factor"
            : "replication factor " + topic.replicationFactor())
        + (topic.configs().isEmpty() ? "" : ", " + topic.configs());
  }

  /** A throwable as {@code Type: message}. */
  private static String describe(Throwable e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName()
        + (message == null || message.isBlank() ? "" : ": " + message);
  }

  private int timeoutMillis() {
    return (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
  }

  private static int remainingMillis(long deadline) {
    return (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
  }
}
