package io.digitstream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.deeplearning4j.config.DL4JSystemProperties;
import org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The machine and native configuration a benchmark ran on, so that every printed figure carries its
 * context: CPU, cores, JVM, thread settings and which ND4J native build was actually loaded.
 *
 * @param cpuModel the first {@code model name} of {@code /proc/cpuinfo}
 * @param cores processors available to the JVM
 * @param simd the widest vector extensions the CPU reports (avx2, avx512f, ...)
 * @param jvm vendor, version and VM name
 * @param ompNumThreads the {@code OMP_NUM_THREADS} environment variable, or "unset"
 * @param openBlasCoreType the kernel set OpenBLAS chose: it exports {@code OPENBLAS_CORETYPE} when
 *     it loads if the variable was unset, so reading it after ND4J started tells which one ran
 * @param nativeLibrary the ND4J native jar the loaded {@code libnd4jcpu.so} was unpacked from
 * @param blas BLAS vendor and its thread count, OpenMP threads of libnd4j
 * @param oneDnn whether libnd4j was built with oneDNN and whether its platform helpers are on
 * @param dl4jHelpers whether DL4J layer helpers (the oneDNN/cuDNN layer paths) may be created
 */
public record MachineInfo(
    String cpuModel,
    int cores,
    String simd,
    String jvm,
    String ompNumThreads,
    String openBlasCoreType,
    String nativeLibrary,
    String blas,
    String oneDnn,
    String dl4jHelpers) {

  private static final Pattern NATIVE_JAR =
      Pattern.compile("(nd4j-native-[^/]*\\.jar)/.*libnd4jcpu\\.so");

  /** Reads the machine and ND4J's state; initialises ND4J if it was not yet. */
  public static MachineInfo probe() {
    Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
    String buildInfo = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
    boolean builtWithOneDnn = buildInfo != null && buildInfo.toUpperCase().contains("ONEDNN");
    return new MachineInfo(
        cpuinfo("model name").orElse("unknown"),
        Runtime.getRuntime().availableProcessors(),
        cpuFlags(),
        System.getProperty("java.vm.vendor")
            + " "
            + System.getProperty("java.runtime.version")
            + " ("
            + System.getProperty("java.vm.name")
            + ")",
        System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"),
        System.getenv().getOrDefault("OPENBLAS_CORETYPE", "unknown"),
        loadedNativeJar(),
        String.format(
            Locale.ROOT,
            "%s, %s BLAS threads, %s libnd4j OpenMP threads",
            env.getProperty("blas.vendor", String.valueOf(env.get("blas.vendor"))),
            env.get("blas.threads"),
            env.get("omp.threads")),
        String.format(
            Locale.ROOT,
            "built with oneDNN: %s, useONEDNN: %s, C++ helpers allowed: %s",
            builtWithOneDnn ? "yes" : "no",
            Nd4jCpu.Environment.getInstance().isUseONEDNN(),
            Nd4j.getEnvironment().helpersAllowed()),
        DL4JSystemProperties.DISABLE_HELPER_PROPERTY
            + "="
            + System.getProperty(
                DL4JSystemProperties.DISABLE_HELPER_PROPERTY,
                DL4JSystemProperties.HELPER_DISABLE_DEFAULT_VALUE + " (default)"));
  }

  /** Lines to print at the top of a report. */
  public List<String> lines() {
    List<String> lines = new ArrayList<>();
    lines.add(line("CPU", cpuModel + ", " + cores + " cores, " + simd));
    lines.add(line("JVM", jvm));
    lines.add(line("OMP_NUM_THREADS", ompNumThreads));
    lines.add(line("OpenBLAS kernels", openBlasCoreType + " (OPENBLAS_CORETYPE)"));
    lines.add(line("ND4J native", nativeLibrary));
    lines.add(line("BLAS", blas));
    lines.add(line("oneDNN", oneDnn));
    lines.add(line("DL4J helpers", dl4jHelpers));
    return lines;
  }

  static String line(String key, String value) {
    return String.format(Locale.ROOT, "%-18s %s", key + ":", value);
  }

  private static Optional<String> cpuinfo(String key) {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines
          .filter(l -> l.startsWith(key))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static String cpuFlags() {
    String flags = " " + cpuinfo("flags").orElse("") + " ";
    List<String> found = new ArrayList<>();
    for (String f : new String[] {"avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni"}) {
      if (flags.contains(" " + f + " ")) {
        found.add(f);
      }
    }
    return found.isEmpty() ? "no AVX2" : String.join(" ", found);
  }

  /** javacpp unpacks each native jar into a directory named after it; the mapping tells which. */
  private static String loadedNativeJar() {
    try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
      return maps.map(NATIVE_JAR::matcher)
          .filter(Matcher::find)
          .map(m -> m.group(1))
          .findFirst()
          .orElse("unknown (libnd4jcpu.so not found in /proc/self/maps)");
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }
}
