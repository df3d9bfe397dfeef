package io.digitstream.topic;

/**
 * The replication of the topics a program creates: the factor and {@code min.insync.replicas},
 * either configured or chosen from the number of brokers (1 on one broker, 2 on two, 3 from three
 * on, with {@code min.insync.replicas} 2 once there are 3 replicas, so one broker may fail without
 * stopping writes with {@code acks=all}).
 *
 * @param factor the replication factor
 * @param minInsync the {@code min.insync.replicas} of the topics created
 * @param brokers how many brokers the cluster had when it was chosen
 * @param configured whether the factor came from {@link TopicPlan#REPLICATION_FACTOR}
 */
public record Replication(short factor, int minInsync, int brokers, boolean configured) {
  /** Most replicas chosen by cluster size: beyond three, more copies add cost, not safety. */
  public static final int MAX_CHOSEN = 3;

  /** The factor {@code plan} configures, or the one that fits {@code brokers}. */
  public static Replication choose(TopicPlan plan, int brokers) {
    if (plan.replicationFactor().isPresent()) {
      short factor = plan.replicationFactor().get();
      return new Replication(factor, minInsyncFor(factor), brokers, true);
    }
    short factor = (short) Math.max(1, Math.min(MAX_CHOSEN, brokers));
    return new Replication(factor, minInsyncFor(factor), brokers, false);
  }

  private static int minInsyncFor(short factor) {
    return factor >= 3 ? factor - 1 : 1;
  }

  /**
   * E.g. {@code 3 brokers: replication factor 3, min.insync.replicas 2 (from the cluster size)}.
   */
  public String describe() {
    return brokers
        + " broker"
        + (brokers == 1 ? "" : "s")
        + ": replication factor "
        + factor
        + ", min.insync.replicas "
        + minInsync
        + (configured ? " (" + TopicPlan.REPLICATION_FACTOR + ")" : " (from the cluster size)");
  }
}
