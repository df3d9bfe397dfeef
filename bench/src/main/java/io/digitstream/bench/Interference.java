package io.digitstream.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much CPU other processes used while a figure was measured: the machine's busy time from
 * {@code /proc/stat} minus this JVM's own CPU time, in cores. On a shared machine this tells which
 * rows of a table can be trusted; 0.0 means the figure had the machine to itself.
 */
final class Interference {
  private static final double NANOS_PER_TICK = 1e9 / 100; // USER_HZ is 100 on Linux

  private final long machineBusyTicks;
  private final long ownCpuNanos;
  private final long wallNanos;

  private Interference(long machineBusyTicks, long ownCpuNanos, long wallNanos) {
    this.machineBusyTicks = machineBusyTicks;
    this.ownCpuNanos = ownCpuNanos;
    this.wallNanos = wallNanos;
  }

  /** The counters now. */
  static Interference start() {
    return new Interference(machineBusyTicks(), ownCpuNanos(), System.nanoTime());
  }

  /** Average number of cores other processes kept busy since {@link #start}; NaN if unknown. */
  double othersCores() {
    long busy = machineBusyTicks();
    long own = ownCpuNanos();
    long wall = System.nanoTime() - wallNanos;
    if (busy < 0 || machineBusyTicks < 0 || own < 0 || wall <= 0) {
      return Double.NaN;
    }
    double others = (busy - machineBusyTicks) * NANOS_PER_TICK - (own - ownCpuNanos);
    return Math.max(0, others / wall);
  }

  private static long machineBusyTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      // user nice system idle iowait irq softirq steal; guest time is already in user.
      for (int i = 1; i <= 8 && i < f.length; i++) {
        total += Long.parseLong(f[i]);
      }
      return total - Long.parseLong(f[4]) - Long.parseLong(f[5]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static long ownCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }
}
