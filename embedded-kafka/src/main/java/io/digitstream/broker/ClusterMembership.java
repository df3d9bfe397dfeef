package io.digitstream.broker;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One node's place in a multi-node KRaft cluster whose nodes are all broker and controller: its id,
 * the cluster id every node is formatted with, and the controller port of every node (the static
 * voter set, {@code controller.quorum.voters}).
 *
 * @param nodeId this node's {@code node.id}
 * @param clusterId the id the storage of every node is formatted with
 * @param controllerPorts node id to controller port, for every node of the cluster on loopback
 */
public record ClusterMembership(
    int nodeId, String clusterId, Map<Integer, Integer> controllerPorts) {

  public ClusterMembership {
    Objects.requireNonNull(clusterId, "clusterId");
    controllerPorts = Map.copyOf(controllerPorts);
    if (!controllerPorts.containsKey(nodeId)) {
      throw new IllegalArgumentException(
          "Node " + nodeId + " is not among the voters " + controllerPorts.keySet());
    }
  }

  /** How many nodes the cluster has. */
  public int size() {
    return controllerPorts.size();
  }

  /** The static quorum, e.g. {@code 1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097}. */
  public String voters() {
    return new TreeMap<>(controllerPorts)
        .entrySet().stream()
            .map(e -> e.getKey() + "@127.0.0.1:" + e.getValue())
            .collect(Collectors.joining(","));
  }
}
