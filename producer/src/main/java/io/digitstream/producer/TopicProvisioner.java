package io.digitstream.producer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Makes sure the topics exist and every partition serves requests before the first record is sent.
 * Sending earlier is not just slow: an idempotent producer whose first request meets a partition
 * its leader has not opened yet can have that batch overtaken and then rejected as out of order
 * until it expires (KAFKA-15591, still present in 4.3.1).
 */
final class TopicProvisioner {
  private static final long RETRY_MILLIS = 50;

  private final Admin admin;
  private final Duration timeout;
  private final String bootstrapServers;
  private final SecretScrubber scrubber;
  private final BooleanSupplier stopped;

  /**
   * @param timeout how long each step may wait for Kafka (the producer's {@code max.block.ms})
   * @param stopped when it turns true, waiting ends with an {@link InterruptedException}
   */
  TopicProvisioner(
      Admin admin,
      Duration timeout,
      String bootstrapServers,
      SecretScrubber scrubber,
      BooleanSupplier stopped) {
    this.admin = admin;
    this.timeout = timeout;
    this.bootstrapServers = bootstrapServers;
    this.scrubber = scrubber;
    this.stopped = stopped;
  }

  /** Topic settings for the topics it creates. */
  record Plan(boolean create, Optional<Integer> partitions, Optional<Short> replicationFactor) {
    String describe() {
      return partitions.map(p -> p + " partitions").orElse("default partitions")
          + ", "
          + replicationFactor
              .map(r -> "replication factor " + r)
              .orElse("default replication factor");
    }
  }

  /**
   * Creates the missing topics (if the plan allows) and waits until every partition of every topic
   * answers from its leader, in the admin client's view and then in the producer's.
   *
   * @return the topics it created
   */
  List<String> prepare(List<String> topics, Plan plan, Producer<?, ?> producer)
      throws KafkaSetupException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> missing = missing(topics);
    if (!missing.isEmpty()) {
      if (!plan.create()) {
        boolean one = missing.size() == 1;
        throw new KafkaSetupException(
            (one ? "Topic " : "Topics ")
                + String.join(", ", missing)
                + (one ? " does" : " do")
                + " not exist on "
                + bootstrapServers
                + " and topic creation is off (--no-create-topics,"
                + " digitstream.topics.create=false). Create "
                + (one ? "it" : "them")
                + " first, or let the producer create "
                + (one ? "it." : "them."),
            false);
      }
      create(missing, plan);
    }
    awaitServing(topics, deadline);
    awaitProducerMetadata(topics, producer, deadline);
    return missing;
  }

  private List<String> missing(List<String> topics)
      throws KafkaSetupException, InterruptedException {
    Map<String, KafkaFuture<TopicDescription>> described =
        admin
            .describeTopics(topics, new DescribeTopicsOptions().timeoutMs(timeoutMillis()))
            .topicNameValues();
    List<String> missing = new ArrayList<>();
    for (String topic : topics) {
      try {
        await(described.get(topic));
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UnknownTopicOrPartitionException) {
          missing.add(topic);
        } else {
          throw failure("Cannot check topic " + topic, e.getCause());
        }
      }
    }
    return missing;
  }

  private void create(List<String> topics, Plan plan)
      throws KafkaSetupException, InterruptedException {
    List<NewTopic> newTopics =
        topics.stream()
            .map(t -> new NewTopic(t, plan.partitions(), plan.replicationFactor()))
            .toList();
    Map<String, KafkaFuture<Void>> created =
        admin
            .createTopics(newTopics, new CreateTopicsOptions().timeoutMs(timeoutMillis()))
            .values();
    for (String topic : topics) {
      try {
        await(created.get(topic));
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        // Another producer may have created it between our check and our request.
        if (cause instanceof TopicExistsException) {
          continue;
        }
        if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
          throw failure("Cannot create topic " + topic, cause);
        }
        boolean badSettings =
            cause instanceof InvalidReplicationFactorException
                || cause instanceof InvalidPartitionsException
                || cause instanceof InvalidConfigurationException
                || cause instanceof PolicyViolationException;
        throw new KafkaSetupException(
            "Cannot create topic "
                + topic
                + " ("
                + plan.describe()
                + ") on "
                + bootstrapServers
                + ": "
                + scrubber.describe(cause),
            badSettings);
      }
    }
  }

  /** Every partition has a leader that answers ListOffsets, which only an open replica does. */
  private void awaitServing(List<String> topics, long deadline)
      throws KafkaSetupException, InterruptedException {
    Throwable lastProblem = null;
    String waitingFor = "leaders";
    while (true) {
      try {
        Map<String, TopicDescription> descriptions =
            await(
                admin
                    .describeTopics(
                        topics, new DescribeTopicsOptions().timeoutMs(remainingMillis(deadline)))
                    .allTopicNames());
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
                  .all());
          return;
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
        throw new KafkaSetupException(
            "Topics "
                + String.join(", ", topics)
                + " on "
                + bootstrapServers
                + " were not ready after "
                + timeout.toMillis()
                + " ms (max.block.ms): still waiting for "
                + waitingFor
                + (lastProblem == null ? "" : " (" + scrubber.describe(lastProblem) + ")"),
            false);
      }
      pause();
    }
  }

  /** The producer sends from its own metadata; make sure that view has the leaders too. */
  private void awaitProducerMetadata(List<String> topics, Producer<?, ?> producer, long deadline)
      throws KafkaSetupException, InterruptedException {
    for (String topic : topics) {
      while (true) {
        List<PartitionInfo> partitions;
        try {
          partitions = producer.partitionsFor(topic);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
          partitions = List.of();
        } catch (RuntimeException e) {
          throw failure("The producer cannot see topic " + topic, e);
        }
        if (!partitions.isEmpty()
            && partitions.stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
          break;
        }
        if (System.nanoTime() >= deadline) {
          throw new KafkaSetupException(
              "The producer saw no leader for every partition of "
                  + topic
                  + " within "
                  + timeout.toMillis()
                  + " ms (max.block.ms)",
              false);
        }
        pause();
      }
    }
  }

  /** The future's value; gives up when stopped, or when Kafka never answers at all. */
  private <T> T await(KafkaFuture<T> future) throws ExecutionException, InterruptedException {
    // Each admin call has its own timeout; the margin only guards against a lost answer.
    long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      throwIfStopped();
      try {
        return future.get(RETRY_MILLIS, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        if (System.nanoTime() >= deadline) {
          throw new ExecutionException(
              new org.apache.kafka.common.errors.TimeoutException("no answer from Kafka"));
        }
      }
    }
  }

  private void pause() throws InterruptedException {
    throwIfStopped();
    Thread.sleep(RETRY_MILLIS);
  }

  private void throwIfStopped() throws InterruptedException {
    if (stopped.getAsBoolean()) {
      throw new InterruptedException("stopped while preparing the topics");
    }
  }

  private KafkaSetupException failure(String what, Throwable cause) {
    if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
      return new KafkaSetupException(
          "Cannot reach Kafka at "
              + bootstrapServers
              + " within "
              + timeout.toMillis()
              + " ms (max.block.ms). Is the broker running and bootstrap.servers right? ("
              + scrubber.describe(cause)
              + ")",
          false);
    }
    return new KafkaSetupException(
        what + " on " + bootstrapServers + ": " + scrubber.describe(cause), false);
  }

  private int timeoutMillis() {
    return (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
  }

  private static int remainingMillis(long deadline) {
    return (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
  }
}
