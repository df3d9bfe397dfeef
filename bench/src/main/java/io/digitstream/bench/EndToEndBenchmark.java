package io.digitstream.bench;

import io.digitstream.broker.EmbeddedKafkaBroker;
import io.digitstream.broker.LocalKafkaCluster;
import io.digitstream.image.MnistDataset;
import io.digitstream.image.MnistFetch;
import io.digitstream.record.Codec;
import io.digitstream.record.DigitImage;
import io.digitstream.record.DigitLabel;
import io.digitstream.record.Prediction;
import io.digitstream.topic.TopicNames;
import io.digitstream.topic.TopicPlan;
import io.digitstream.topic.TopicProvisioner;
import io.digitstream.topic.TopicRole;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The end-to-end benchmark: a producer fills the images topic (and labels), the streams app runs as
 * its own JVM, as in production, and a {@code read_committed} consumer counts predictions. It
 * reports the sustained images/s over a window of at least 30 s, then the produce-to-prediction
 * latency at half that rate, and the streams app's peak RSS.
 */
@Command(
    name = "end-to-end",
    mixinStandardHelpOptions = true,
    description = "Producer -> images topic -> streams app (child JVM) -> predictions topic.")
public final class EndToEndBenchmark implements Callable<Integer> {
  @Option(
      names = "--model",
      defaultValue = "models/default",
      description = "Model bundle (default: ${DEFAULT-VALUE}).")
  Path model;

  @Option(
      names = "--data",
      defaultValue = "data/mnist",
      description = "MNIST directory (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(
      names = "--seconds",
      defaultValue = "30",
      description = "Length of the sustained window (default: ${DEFAULT-VALUE} s).")
  int seconds;

  @Option(
      names = "--warmup-seconds",
      defaultValue = "5",
      description =
          "Full-load run before the sustained window starts counting (default: ${DEFAULT-VALUE} s).")
  int warmupSeconds;

  @Option(
      names = "--latency-seconds",
      defaultValue = "20",
      description = "Length of the half-rate latency run (default: ${DEFAULT-VALUE} s).")
  int latencySeconds;

  @Option(
      names = "--latency-csv",
      description =
          "Also write every latency sample of the half-rate run to this CSV file (partition,"
              + " offset, produced, scored, read; epoch ms) to find where the tail comes from.")
  Path latencyCsv;

  @Option(
      names = "--partitions",
      defaultValue = "4",
      description = "Partitions of the topics (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--brokers",
      defaultValue = "1",
      description =
          "Kafka nodes: 1 is the embedded broker in this JVM; more start a local KRaft cluster of"
              + " child JVMs, as ./digitstream cluster does, and the topics' replication factor"
              + " and min.insync.replicas follow its size (default: ${DEFAULT-VALUE}).")
  int brokers;

  @Option(
      names = "--threads",
      defaultValue = "2",
      description = "Stream threads of the app (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--app-heap",
      defaultValue = "768m",
      description = "-Xmx of the streams app JVM (default: ${DEFAULT-VALUE}).")
  String appHeap;

  @Option(
      names = "--app-jvm-option",
      description =
          "Extra JVM option of the streams app, repeatable (e.g. -XX:MaxGCPauseMillis=20).")
  List<String> appJvmOptions = new ArrayList<>();

  @Option(
      names = "-X",
      description =
          "Extra streams-app setting key=value, repeatable (e.g. -X digitstream.batch.max.size=128).")
  List<String> appSettings = new ArrayList<>();

  private static final int SLICE_SECONDS = 5;

  private final PrintStream out = System.out;
  private Path appLog;

  /** The figures of one run. */
  public record Result(
      double imagesPerSecond,
      double windowSeconds,
      long windowImages,
      double halfRate,
      double p50Millis,
      double p99Millis,
      long latencySamples,
      long appPeakRssBytes) {}

  /**
   * Runs the end-to-end part alone. Option values may start with a dash ({@code
   * --app-jvm-option=-XX:...}), which picocli would otherwise read as the {@code -X} option.
   */
  public static void main(String[] args) {
    System.exit(
        new CommandLine(new EndToEndBenchmark())
            .setAllowOptionsAsOptionParameters(true)
            .execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Result r = run();
    out.printf(
        Locale.ROOT, "%nEnd to end (%d partitions, %d stream threads):%n", partitions, threads);
    out.printf(
        Locale.ROOT,
        "  sustained          %,10.0f images/s over %.1f s (%,d predictions)%n",
        r.imagesPerSecond(),
        r.windowSeconds(),
        r.windowImages());
    out.printf(
        Locale.ROOT,
        "  latency at %,.0f/s  p50 %.1f ms, p99 %.1f ms (%,d samples)%n",
        r.halfRate(),
        r.p50Millis(),
        r.p99Millis(),
        r.latencySamples());
    out.printf(Locale.ROOT, "  streams app peak RSS %,d MiB%n", r.appPeakRssBytes() >> 20);
    return 0;
  }

  /** Runs both phases and returns the figures; prints progress as it goes. */
  public Result run() throws Exception {
    MnistFetch.ensure(data, System.err);
    MnistDataset test = MnistDataset.load(data, MnistDataset.Split.TEST);
    TopicNames names = TopicNames.defaults();
    Path work = Files.createTempDirectory("digitstream-bench");
    try (Kafka broker = startKafka()) {
      // Every topic by its spec, with the benchmark's partition count, before the app starts;
      // the replication factor chosen from the cluster's size.
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        new TopicProvisioner(admin, broker.bootstrapServers(), Duration.ofSeconds(30))
            .ensure(
                names,
                EnumSet.allOf(TopicRole.class),
                new TopicPlan(true, Optional.of(partitions), Optional.empty()));
      }
      Process app = startApp(broker.bootstrapServers(), work);
      PeakRss rss = new PeakRss(app.pid());
      try (KafkaProducer<String, byte[]> producer = producer(broker.bootstrapServers());
          KafkaConsumer<byte[], byte[]> consumer =
              consumer(broker.bootstrapServers(), names.predictions())) {
        Feeder feeder = new Feeder(producer, names, test);
        out.println("Waiting for the streams app to score its first image ...");
        feeder.send(1);
        feeder.consumed(1);
        long warm = System.nanoTime();
        while (drain(consumer, null) == 0) {
          if (!app.isAlive()) {
            throw new IllegalStateException(
                "the streams app exited with " + app.exitValue() + "; see " + appLog);
          }
          if (System.nanoTime() - warm > TimeUnit.SECONDS.toNanos(120)) {
            throw new IllegalStateException("no prediction within 120 s; see " + appLog);
          }
        }
        out.printf(
            Locale.ROOT, "First prediction after %.1f s%n", (System.nanoTime() - warm) / 1e9);

        // Phase 1: keep a backlog in front of the app and count what comes out per second.
        Thread filler = new Thread(feeder::keepBacklog, "bench-producer");
        filler.setDaemon(true);
        filler.start();
        long loadStart = System.nanoTime();
        long warmupEnd = loadStart + TimeUnit.SECONDS.toNanos(warmupSeconds);
        long windowStart = -1;
        long counted = 0;
        // Counts per 5-s slice since full load began: the warm-up slices show the JVMs' JIT
        // compilers at work, the window's slices whether the rate is steady.
        List<Long> slices = new ArrayList<>();
        long end = Long.MAX_VALUE;
        while (System.nanoTime() < end) {
          // Latencies are taken (and dropped) here too: the consumer's decoding path is then
          // compiled before the latency run starts, not during it.
          int n = drain(consumer, new Latencies());
          feeder.consumed(n);
          rss.sample();
          long now = System.nanoTime();
          int slice = (int) ((now - loadStart) / TimeUnit.SECONDS.toNanos(SLICE_SECONDS));
          while (slices.size() <= slice) {
            slices.add(0L);
          }
          slices.set(slice, slices.get(slice) + n);
          if (windowStart < 0 && now >= warmupEnd) {
            windowStart = now;
            end = now + TimeUnit.SECONDS.toNanos(seconds);
            out.printf("Measuring for %d s ...%n", seconds);
          } else if (windowStart >= 0) {
            counted += n;
          }
          if (!app.isAlive()) {
            throw new IllegalStateException("the streams app exited; see " + appLog);
          }
        }
        double window = (System.nanoTime() - windowStart) / 1e9;
        double rate = counted / window;
        feeder.stop();
        filler.join();
        out.printf(Locale.ROOT, "Sustained %,.0f images/s; draining the backlog ...%n", rate);
        int warmupSlices = warmupSeconds / SLICE_SECONDS;
        int windowSlices = seconds / SLICE_SECONDS;
        out.printf(
            Locale.ROOT,
            "  images/s per %d s, warm-up: %s | window: %s%n",
            SLICE_SECONDS,
            rates(slices.subList(0, Math.min(warmupSlices, slices.size()))),
            rates(
                slices.subList(
                    Math.min(warmupSlices, slices.size()),
                    Math.min(warmupSlices + windowSlices, slices.size()))));
        long sent = feeder.sent();
        long seen = counted;
        // Drain everything still queued so the latency phase starts from an empty pipeline.
        long quiet = System.nanoTime();
        while (System.nanoTime() - quiet < TimeUnit.SECONDS.toNanos(3)) {
          if (drain(consumer, null) > 0) {
            quiet = System.nanoTime();
          }
          rss.sample();
        }

        // Phase 2: half the sustained rate, steady, latency from the image's timestamp.
        double half = rate / 2;
        Latencies latencies = new Latencies();
        Thread paced =
            new Thread(() -> feeder.sendPaced(half, latencySeconds), "bench-paced-producer");
        paced.setDaemon(true);
        paced.start();
        long stopAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(latencySeconds + 3);
        while (System.nanoTime() < stopAt) {
          drain(consumer, latencies);
          rss.sample();
        }
        paced.join();
        out.printf(
            Locale.ROOT, "(%,d images sent in phase 1, %,d counted in its window)%n", sent, seen);
        if (latencyCsv != null) {
          latencies.write(latencyCsv);
        }
        long[] perSecond = latencies.p99PerSecond();
        long[] sortedSeconds = perSecond.clone();
        Arrays.sort(sortedSeconds);
        out.printf(
            Locale.ROOT,
            "p99 of each second (by produce time), ms: %s%n  median %d, worst %d;"
                + " %d of %d seconds above 100 ms%n",
            Arrays.toString(perSecond),
            sortedSeconds.length == 0 ? -1 : sortedSeconds[sortedSeconds.length / 2],
            sortedSeconds.length == 0 ? -1 : sortedSeconds[sortedSeconds.length - 1],
            Arrays.stream(perSecond).filter(v -> v > 100).count(),
            perSecond.length);
        out.printf(
            Locale.ROOT,
            "Latency split at %,.0f/s: produce -> scored p50 %d ms, p99 %d ms;"
                + " scored -> read (commit, fetch) p50 %d ms, p99 %d ms%n",
            half,
            latencies.toScored(0.50),
            latencies.toScored(0.99),
            latencies.toRead(0.50),
            latencies.toRead(0.99));
        return new Result(
            rate,
            window,
            counted,
            half,
            latencies.total(0.50),
            latencies.total(0.99),
            latencies.size(),
            rss.peak());
      } finally {
        app.destroy();
        if (!app.waitFor(30, TimeUnit.SECONDS)) {
          app.destroyForcibly();
        }
      }
    } finally {
      deleteQuietly(work);
    }
  }

  /** The broker or cluster the benchmark runs on. */
  private record Kafka(String bootstrapServers, AutoCloseable owner) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      owner.close();
    }
  }

  private Kafka startKafka() {
    if (brokers == 1) {
      EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start();
      return new Kafka(broker.bootstrapServers(), broker);
    }
    LocalKafkaCluster cluster = LocalKafkaCluster.builder().brokers(brokers).build().start();
    out.println("Kafka: a local cluster of " + brokers + " KRaft nodes (child JVMs)");
    return new Kafka(cluster.bootstrapServers(), cluster);
  }

  private Process startApp(String bootstrap, Path work) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + appHeap);
    command.add("-Dorg.bytedeco.javacpp.maxbytes=" + appHeap);
    command.add("-Dorg.bytedeco.javacpp.maxphysicalbytes=2g");
    command.addAll(appJvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.digitstream.streams.StreamsCli");
    command.addAll(
        List.of(
            "--bootstrap-servers",
            bootstrap,
            "--model",
            model.toString(),
            "--threads",
            String.valueOf(threads)));
    command.addAll(
        List.of(
            "-X", "state.dir=" + work.resolve("state"), "-X", "application.id=digitstream-bench"));
    for (String s : appSettings) {
      command.addAll(List.of("-X", s));
    }
    // The app's log lives outside the work directory, so it survives for a post-mortem.
    appLog = Files.createTempFile("digitstream-bench-app", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(appLog.toFile());
    pb.environment().put("OMP_NUM_THREADS", "1");
    return pb.start();
  }

  private static String rates(List<Long> counts) {
    return String.join(
        ", ",
        counts.stream()
            .map(c -> String.format(Locale.ROOT, "%,.0f", c / (double) SLICE_SECONDS))
            .toList());
  }

  /** Polls once; returns how many predictions arrived and records their latency if asked. */
  private static int drain(KafkaConsumer<byte[], byte[]> consumer, Latencies latencies) {
    var records = consumer.poll(Duration.ofMillis(50));
    if (latencies != null) {
      long now = System.currentTimeMillis();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        Prediction p = Codec.predictions().decode(r.value());
        // The image's timestamp is the producer's send time (CreateTime), so this is produce to
        // consume; scoredAt splits it where the batch was scored.
        latencies.add(r, p, now);
      }
    }
    return records.count();
  }

  /**
   * Produce-to-read latency samples in ms: per prediction its partition, offset, and when the image
   * was produced, scored and read.
   */
  private static final class Latencies {
    private static final int PRODUCED = 2;
    private static final int SCORED = 3;
    private static final int READ = 4;
    private final List<long[]> rows = new ArrayList<>();

    void add(ConsumerRecord<byte[], byte[]> record, Prediction p, long readAt) {
      rows.add(
          new long[] {
            record.partition(), record.offset(), p.imageTimestamp(), p.scoredAt(), readAt
          });
    }

    int size() {
      return rows.size();
    }

    long total(double q) {
      return percentile(rows, PRODUCED, READ, q);
    }

    long toScored(double q) {
      return percentile(rows, PRODUCED, SCORED, q);
    }

    long toRead(double q) {
      return percentile(rows, SCORED, READ, q);
    }

    void write(Path csv) throws IOException {
      List<String> lines = new ArrayList<>(rows.size() + 1);
      lines.add("partition,offset,produced,scored,read");
      for (long[] row : rows) {
        lines.add(row[0] + "," + row[1] + "," + row[2] + "," + row[3] + "," + row[4]);
      }
      Files.write(csv, lines);
    }

    /** The p99 of the samples produced in each whole second of the run, in order. */
    long[] p99PerSecond() {
      if (rows.isEmpty()) {
        return new long[0];
      }
      long first = rows.stream().mapToLong(r -> r[PRODUCED]).min().getAsLong();
      long last = rows.stream().mapToLong(r -> r[PRODUCED]).max().getAsLong();
      List<List<long[]>> bySecond = new ArrayList<>();
      for (int i = 0; i < (last - first) / 1000; i++) {
        bySecond.add(new ArrayList<>());
      }
      for (long[] r : rows) {
        int second = (int) ((r[PRODUCED] - first) / 1000);
        if (second < bySecond.size()) {
          bySecond.get(second).add(r);
        }
      }
      return bySecond.stream().mapToLong(v -> percentile(v, PRODUCED, READ, 0.99)).toArray();
    }

    private static long percentile(List<long[]> rows, int from, int to, double q) {
      if (rows.isEmpty()) {
        return -1;
      }
      long[] sorted = rows.stream().mapToLong(r -> r[to] - r[from]).sorted().toArray();
      // Nearest rank.
      int i = (int) Math.ceil(q * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts =
        c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
    c.assign(parts);
    c.seekToBeginning(parts);
    return c;
  }

  /** Sends MNIST test images (cycled, unique ids) and their labels. */
  private static final class Feeder {
    private final KafkaProducer<String, byte[]> producer;
    private final TopicNames names;
    private final byte[][] encodedImages;
    private final byte[][] encodedLabels;
    private final String[] ids;
    private static final long MAX_BACKLOG = 30_000;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong consumed = new AtomicLong();
    private volatile boolean stopped;
    private volatile Exception failure;

    Feeder(KafkaProducer<String, byte[]> producer, TopicNames names, MnistDataset test) {
      this.producer = producer;
      this.names = names;
      int n = test.size();
      encodedImages = new byte[n][];
      encodedLabels = new byte[n][];
      ids = new String[n];
      for (int i = 0; i < n; i++) {
        ids[i] = String.format("bench-%05d", i);
      }
      for (int i = 0; i < n; i++) {
        encodedImages[i] =
            Codec.images().encode(new DigitImage(ids[i], test.image(i), "mnist-test"));
        encodedLabels[i] = Codec.labels().encode(new DigitLabel(ids[i], test.label(i)));
      }
    }

    void send(long count) {
      for (long k = 0; k < count && !stopped; k++) {
        sendOne();
      }
      producer.flush();
    }

    /**
     * Sends as fast as the app consumes, keeping a bounded backlog so the pipeline never starves.
     */
    void keepBacklog() {
      while (!stopped) {
        if (sent.get() - consumed.get() < MAX_BACKLOG) {
          sendOne();
        } else {
          java.util.concurrent.locks.LockSupport.parkNanos(200_000);
        }
      }
      producer.flush();
    }

    void consumed(int n) {
      consumed.addAndGet(n);
    }

    void sendPaced(double perSecond, int seconds) {
      long start = System.nanoTime();
      long total = (long) (perSecond * seconds);
      for (long k = 0; k < total; k++) {
        long due = start + (long) (k * 1e9 / perSecond);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(wait);
        }
        sendOne();
      }
      producer.flush();
    }

    private void sendOne() {
      long k = sent.getAndIncrement();
      int i = (int) (k % ids.length);
      // Unique ids per lap, so every record is a distinct image downstream.
      String id = ids[i] + "-" + (k / ids.length);
      byte[] image = withId(encodedImages[i], ids[i], id);
      producer.send(new ProducerRecord<>(names.images(), id, image), this::check);
      producer.send(
          new ProducerRecord<>(names.labels(), id, withId(encodedLabels[i], ids[i], id)),
          this::check);
    }

    private void check(org.apache.kafka.clients.producer.RecordMetadata m, Exception e) {
      if (e != null && failure == null) {
        failure = e;
        stopped = true;
      }
    }

    void stop() {
      stopped = true;
    }

    long sent() {
      if (failure != null) {
        throw new IllegalStateException(
            "a benchmark send failed: " + failure.getMessage(), failure);
      }
      return sent.get();
    }

    private static byte[] withId(byte[] json, String oldId, String newId) {
      // Pre-encoded JSON with the id spliced in: keeps encoding out of the producer's hot loop.
      byte[] needle = ("\"" + oldId + "\"").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      byte[] replacement = ("\"" + newId + "\"").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      int at = indexOf(json, needle);
      byte[] out = new byte[json.length - needle.length + replacement.length];
      System.arraycopy(json, 0, out, 0, at);
      System.arraycopy(replacement, 0, out, at, replacement.length);
      System.arraycopy(
          json, at + needle.length, out, at + replacement.length, json.length - at - needle.length);
      return out;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
      outer:
      for (int i = 0; i <= hay.length - needle.length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (hay[i + j] != needle[j]) {
            continue outer;
          }
        }
        return i;
      }
      throw new IllegalArgumentException("id not found in the encoded record");
    }
  }

  /** Peak resident set size of a process, from the kernel's own high-water mark. */
  private static final class PeakRss {
    private final Path status;
    private long peak;

    PeakRss(long pid) {
      this.status = Path.of("/proc", String.valueOf(pid), "status");
    }

    void sample() {
      try {
        for (String line : Files.readAllLines(status)) {
          if (line.startsWith("VmHWM:")) {
            long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
            peak = Math.max(peak, kib * 1024);
          }
        }
      } catch (IOException | RuntimeException e) {
        // The process may have exited between samples; the last reading stands.
      }
    }

    long peak() {
      return peak;
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temp directory left behind is harmless.
    }
  }
}
