package io.digitstream.streams.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time used by this JVM's child JVMs (Linux) whose arguments name {@code mainClass}, between
 * the first and the last {@link #sample}: a child that starts later counts from zero, one that
 * exits counts up to the last sample that saw it.
 */
final class ChildCpu {
  private final String mainClass;
  private final Map<Long, Duration> first = new HashMap<>();
  private final Map<Long, Duration> last = new HashMap<>();
  private boolean started;

  ChildCpu(Class<?> mainClass) {
    this.mainClass = mainClass.getName();
  }

  synchronized ChildCpu sample() {
    ProcessHandle.current()
        .descendants()
        .filter(this::runs)
        .forEach(
            p ->
                p.info()
                    .totalCpuDuration()
                    .ifPresent(
                        cpu -> {
                          first.putIfAbsent(p.pid(), started ? Duration.ZERO : cpu);
                          last.put(p.pid(), cpu);
                        }));
    started = true;
    return this;
  }

  // ProcessHandle.Info.arguments() is empty for command lines as long as a test class path.
  private boolean runs(ProcessHandle p) {
    try {
      String cmdline = Files.readString(Path.of("/proc", String.valueOf(p.pid()), "cmdline"));
      return List.of(cmdline.split("\0")).contains(mainClass);
    } catch (IOException e) {
      return false; // exited meanwhile
    }
  }

  synchronized Duration used() {
    Duration total = Duration.ZERO;
    for (Map.Entry<Long, Duration> e : last.entrySet()) {
      total = total.plus(e.getValue().minus(first.get(e.getKey())));
    }
    return total;
  }
}
