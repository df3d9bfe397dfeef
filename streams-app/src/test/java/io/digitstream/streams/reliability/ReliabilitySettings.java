package io.digitstream.streams.reliability;

import io.digitstream.streams.Fixtures;
import io.digitstream.streams.StreamsSettings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Streams settings for the reliability tests; their clients come from the test kit. */
final class ReliabilitySettings {
  private ReliabilitySettings() {}

  /** Streams settings for one run with topic names of its own and a REST server on a free port. */
  static Map<String, String> settings(String bootstrap, String name, Path stateDir) {
    Map<String, String> s = new HashMap<>();
    s.put("bootstrap.servers", bootstrap);
    s.put("application.id", name);
    s.put("state.dir", stateDir.toString());
    s.put(StreamsSettings.MODEL, Fixtures.modelDirectory().toString());
    for (String role : List.of("images", "labels", "predictions", "dlq", "accuracy")) {
      s.put("digitstream.topic." + role, name + "." + role);
    }
    s.put("digitstream.http.port", "0");
    return s;
  }

  static String uniqueName(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
