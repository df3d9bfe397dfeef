package io.digitstream.demo;

import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.broker.EmbeddedKafkaBroker;
import io.digitstream.image.Idx;
import io.digitstream.image.MnistDataset;
import io.digitstream.image.MnistFetch;
import io.digitstream.image.Shift;
import io.digitstream.model.DigitClassifier;
import io.digitstream.model.Evaluator;
import io.digitstream.model.ModelBundle;
import io.digitstream.producer.DigitPublisher;
import io.digitstream.producer.Progress;
import io.digitstream.producer.PublishListener;
import io.digitstream.producer.PublishSummary;
import io.digitstream.producer.source.IdxSource;
import io.digitstream.producer.source.Selection;
import io.digitstream.record.DigitImage;
import io.digitstream.streams.ScoringService;
import io.digitstream.streams.StreamsSettings;
import io.digitstream.streams.accuracy.VersionSummary;
import io.digitstream.streams.web.Summary;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The whole pipeline in one process: a real single-node Kafka broker, the streams app, and the
 * MNIST test set published with its labels. Prints progress and rolling accuracy while it runs and
 * a summary at the end; {@link #run()} returns it so tests can check it.
 */
public final class Demo {
  /**
   * What the demo needs to know; see {@link DemoCommand} for the flags.
   *
   * @param shift distortions from some image on ({@code --shift-at}), or null for clean images
   */
  public record Options(
      Path data,
      Path model,
      int images,
      double rate,
      Duration labelDelay,
      int brokerPort,
      int httpPort,
      int partitions,
      int threads,
      boolean keepRunning,
      Duration progressEvery,
      Shift shift) {}

  /** The outcome: what was sent, scored and counted, and the app's cumulative accuracy. */
  public record Result(
      String modelVersion,
      long imagesSent,
      long labelsSent,
      long imagesScored,
      long deadLetters,
      ConfusionMatrix cumulative,
      ConfusionMatrix evaluated,
      double seconds,
      boolean complete,
      AlertTicker.Tally alerts,
      String alertWatchFailure) {

    /**
     * Whether the streamed matrix equals, cell by cell, what {@code evaluate} computes on the same
     * images (as shifted, when they were); only meaningful once every image was scored and counted.
     */
    public boolean matchesEvaluate() {
      return complete && cumulative.equals(evaluated);
    }
  }

  private final Options options;
  private final PrintStream out;
  private final AtomicBoolean stopRequested = new AtomicBoolean();
  private volatile DigitPublisher publisher;

  public Demo(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  /** Asks a running demo to stop publishing and finish with its summary (e.g. on Ctrl-C). */
  public void requestStop() {
    stopRequested.set(true);
    DigitPublisher p = publisher;
    if (p != null) {
      p.stop();
    }
  }

  /** Whether {@link #requestStop()} was called (Ctrl-C), so a partial run is not a failure. */
  public boolean stopWasRequested() {
    return stopRequested.get();
  }

  public Result run() throws Exception {
    long started = System.nanoTime();
    ModelBundle bundle = ModelBundle.open(options.model());
    MnistFetch.ensure(options.data(), out);
    // Loaded before the broker starts, so a missing or broken file fails at once with its name.
    MnistDataset test = MnistDataset.load(options.data(), MnistDataset.Split.TEST);
    IdxSource source =
        IdxSource.mnist(
            options.data(), MnistDataset.Split.TEST, new Selection(0, options.images(), false, 0));
    Path work = Files.createTempDirectory("digitstream-demo");
    EmbeddedKafkaBroker.Builder brokerBuilder =
        EmbeddedKafkaBroker.builder().port(options.brokerPort());
    if (options.keepRunning()) {
      brokerBuilder.dataDirectory(Path.of("data", "demo-broker"));
    }
    try (EmbeddedKafkaBroker broker = brokerBuilder.build().start()) {
      out.printf("Kafka broker (KRaft, embedded) ready at %s%n", broker.bootstrapServers());
      Map<String, String> overrides = new HashMap<>();
      overrides.put("bootstrap.servers", broker.bootstrapServers());
      overrides.put(StreamsSettings.MODEL, options.model().toString());
      overrides.put("num.stream.threads", String.valueOf(options.threads()));
      overrides.put("state.dir", work.resolve("streams-state").toString());
      overrides.put("digitstream.http.port", String.valueOf(options.httpPort()));
      // The streams app creates every topic by its spec, with the demo's partition count.
      overrides.put(StreamsSettings.TOPICS_PARTITIONS, String.valueOf(options.partitions()));
      StreamsSettings settings = StreamsSettings.load(null, Map.of(), overrides);
      try (ScoringService service = new ScoringService(settings)) {
        service.start();
        Thread firstPrediction = reportFirstPrediction(service);
        try {
          if (!service.awaitRunning(Duration.ofSeconds(60))) {
            throw new IllegalStateException(
                "the streams app did not reach RUNNING within 60 s: " + service.state());
          }
          service
              .url()
              .ifPresent(
                  u ->
                      out.printf(
                          "Live accuracy page: %s  (or ./digitstream watch --url %s)%n", u, u));
          out.printf(
              "Model %s (%s, %.2f %% on the MNIST test set); streaming %,d test images at %s%n",
              bundle.version(),
              bundle.metadata().architecture(),
              100 * orNaN(bundle.metadata().testAccuracy()),
              options.images(),
              options.rate() > 0
                  ? String.format(Locale.ROOT, "%.0f images/s", options.rate())
                  : "full speed");

          if (options.shift() != null) {
            out.println("Shift: " + options.shift().describe());
          }
          // The streams app has created the alerts topic by now (it provisions every topic).
          AlertTicker alerts = new AlertTicker(out, ZoneId.systemDefault());
          AlertWatch watch =
              AlertWatch.start(
                  broker.bootstrapServers(),
                  settings.topics().alerts(),
                  alerts,
                  Duration.ofSeconds(30));
          PublishSummary published;
          boolean complete;
          try {
            published = publish(broker.bootstrapServers(), service, source);
            out.println(published.toText(5).strip());
            complete = awaitAllCounted(service, published);
          } finally {
            watch.close();
          }
          Result result =
              result(
                  service,
                  bundle,
                  sent(test, source, published),
                  published,
                  complete,
                  started,
                  alerts.tally(),
                  watch.failure());
          printSummary(result, settings.topics().names().alerts());
          if (options.keepRunning() && !stopRequested.get()) {
            out.printf(
                "%nStill running (--keep-running): Kafka at %s, page at %s. Ctrl-C stops.%n",
                broker.bootstrapServers(), service.url().map(Object::toString).orElse("-"));
            while (!stopRequested.get()) {
              Thread.sleep(200);
            }
          }
          out.println("Shutting down ...");
          return result;
        } finally {
          firstPrediction.interrupt();
        }
      }
    } finally {
      deleteQuietly(work);
    }
  }

  /** Prints, once, how long after the JVM started the first image was scored (start-up cost). */
  private Thread reportFirstPrediction(ScoringService service) {
    Thread watch =
        new Thread(
            () -> {
              while (service.metrics().imagesScored() == 0) {
                try {
                  Thread.sleep(20);
                } catch (InterruptedException e) {
                  return;
                }
              }
              long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
              out.printf(
                  Locale.ROOT,
                  "First prediction %.1f s after the JVM started%n",
                  (System.currentTimeMillis() - jvmStart) / 1e3);
            },
            "demo-first-prediction");
    watch.setDaemon(true);
    watch.start();
    return watch;
  }

  private PublishSummary publish(String bootstrap, ScoringService service, IdxSource source) {
    DigitPublisher.Builder builder =
        DigitPublisher.builder()
            .bootstrapServers(bootstrap)
            .rate(options.rate())
            .labelDelay(options.labelDelay())
            .shift(options.shift());
    builder.setting("digitstream.topics.partitions", String.valueOf(options.partitions()));
    try (DigitPublisher p = builder.build()) {
      publisher = p;
      if (stopRequested.get()) {
        p.stop();
      }
      long[] lastPrint = {0};
      PublishListener listener =
          new PublishListener() {
            @Override
            public void progress(Progress progress) {
              long now = System.nanoTime();
              if (now - lastPrint[0] >= options.progressEvery().toNanos() || progress.finished()) {
                lastPrint[0] = now;
                printProgress(progress, service);
              }
            }
          };
      return p.publish(source, listener);
    } finally {
      publisher = null;
    }
  }

  private void printProgress(Progress progress, ScoringService service) {
    Summary summary = service.summary();
    String accuracy = latest(summary).map(Demo::accuracyLine).orElse("no labelled predictions yet");
    out.printf(
        Locale.ROOT,
        "sent %,6d/%,d  scored %,6d  %s  %,.0f images/s%n",
        progress.imagesSent(),
        progress.total(),
        summary.total().imagesScored(),
        accuracy,
        summary.total().imagesPerSecond());
  }

  /**
   * Waits until every sent image is scored and every label counted: at most two minutes, or ten
   * seconds once a stop was requested.
   */
  private boolean awaitAllCounted(ScoringService service, PublishSummary published)
      throws InterruptedException {
    long begin = System.nanoTime();
    long stoppedAt = -1;
    long lastPrint = begin;
    while (true) {
      Summary s = service.summary();
      long scored = s.total().imagesScored() + s.total().deadLetters();
      long counted = latest(s).map(v -> v.cumulative().matrix().count()).orElse(0L);
      if (scored >= published.imagesSent() && counted >= published.labelsSent()) {
        return true;
      }
      long now = System.nanoTime();
      if (stoppedAt < 0 && stopRequested.get()) {
        stoppedAt = now;
      }
      boolean timedOut =
          now - begin > Duration.ofSeconds(120).toNanos()
              || (stoppedAt >= 0 && now - stoppedAt > Duration.ofSeconds(10).toNanos());
      if (timedOut) {
        return false;
      }
      if (now - lastPrint > options.progressEvery().toNanos()) {
        lastPrint = now;
        out.printf(
            Locale.ROOT,
            "waiting for the pipeline: scored %,d of %,d, counted %,d of %,d labels%n",
            scored,
            published.imagesSent(),
            counted,
            published.labelsSent());
      }
      Thread.sleep(100);
    }
  }

  /**
   * The labelled images as they went to Kafka: the first ones sent, shifted as the publisher
   * shifted them, without the non-digits (they had no label, so the matrices never count them).
   */
  private MnistDataset sent(MnistDataset test, IdxSource source, PublishSummary published) {
    int n = (int) published.imagesSent();
    Shift shift = options.shift();
    if (shift == null) {
      return test;
    }
    ByteArrayOutputStream pixels = new ByteArrayOutputStream(n * DigitImage.PIXELS);
    ByteArrayOutputStream labels = new ByteArrayOutputStream(n);
    for (int i = 0; i < n; i++) {
      Optional<Shift.Distorted> d = shift.apply(i, source.idOf(i), test.image(i));
      if (d.isPresent() && d.get().replacedByNonDigit()) {
        continue;
      }
      pixels.writeBytes(d.map(Shift.Distorted::pixels).orElse(test.image(i)));
      labels.write(test.label(i));
    }
    byte[] labelBytes = labels.toByteArray();
    return new MnistDataset(
        test.name() + "-shifted",
        new Idx.Images(labelBytes.length, DigitImage.SIDE, DigitImage.SIDE, pixels.toByteArray()),
        labelBytes);
  }

  private Result result(
      ScoringService service,
      ModelBundle bundle,
      MnistDataset sent,
      PublishSummary published,
      boolean complete,
      long started,
      AlertTicker.Tally alerts,
      String alertWatchFailure) {
    Summary s = service.summary();
    ConfusionMatrix cumulative =
        s.versions().stream()
            .filter(v -> v.modelVersion().equals(bundle.version()))
            .map(v -> v.cumulative().matrix())
            .findFirst()
            .orElse(ConfusionMatrix.empty());
    return new Result(
        bundle.version(),
        published.imagesSent(),
        published.labelsSent(),
        s.total().imagesScored(),
        s.total().deadLetters(),
        cumulative,
        // What `evaluate --limit N` gives: the same model on the same images, without Kafka.
        Evaluator.confusion(
            DigitClassifier.load(bundle),
            sent,
            options.shift() == null ? (int) published.imagesSent() : sent.size()),
        (System.nanoTime() - started) / 1e9,
        complete,
        alerts,
        alertWatchFailure);
  }

  private void printSummary(Result r, String alertsTopic) {
    out.println();
    out.println("Summary");
    out.printf(
        Locale.ROOT,
        "  images sent %,d, labels sent %,d, images scored %,d, dead letters %,d, %.1f s%n",
        r.imagesSent(),
        r.labelsSent(),
        r.imagesScored(),
        r.deadLetters(),
        r.seconds());
    out.printf(
        Locale.ROOT,
        "  cumulative accuracy of model %s: %.4f (%,d of %,d labelled images)%n",
        r.modelVersion(),
        r.cumulative().accuracy(),
        r.cumulative().correct(),
        r.cumulative().count());
    out.printf(
        "  alerts on %s: %s%n",
        alertsTopic,
        r.alertWatchFailure() == null
            ? r.alerts().describe()
            : r.alerts().describe() + "; WATCH FAILED: " + r.alertWatchFailure());
    if (r.complete() && options.shift() != null) {
      out.printf(
          Locale.ROOT,
          "  the same model on the same %,d labelled images, shifted as sent, without Kafka:"
              + " %.4f -> %s%n",
          r.evaluated().count(),
          r.evaluated().accuracy(),
          r.matchesEvaluate() ? "identical, cell by cell" : "DIFFERENT");
    } else if (r.complete()) {
      out.printf(
          Locale.ROOT,
          "  ./digitstream evaluate%s on the same %,d images: %.4f -> %s%n",
          r.imagesSent() == 10_000 ? "" : " --limit " + r.imagesSent(),
          r.imagesSent(),
          r.evaluated().accuracy(),
          r.matchesEvaluate() ? "identical, cell by cell" : "DIFFERENT");
    } else {
      out.println("  (stopped before every image was scored and counted)");
    }
    out.println();
    out.print(r.cumulative().toText());
  }

  /**
   * Measured accuracy once labels came; before that, the estimate from the calibrated probabilities
   * (windows exist as soon as predictions are counted, labelled or not).
   */
  private static String accuracyLine(VersionSummary v) {
    long labelled = v.cumulative().matrix().count();
    if (labelled > 0) {
      return String.format(
          Locale.ROOT,
          "rolling accuracy %.4f, cumulative %.4f (%,d labelled)",
          v.rolling() == null ? Double.NaN : v.rolling().matrix().accuracy(),
          v.cumulative().matrix().accuracy(),
          labelled);
    }
    Double estimated = v.cumulative().monitor().estimatedAccuracy();
    return estimated == null
        ? "no labelled predictions yet"
        : String.format(Locale.ROOT, "estimated accuracy %.4f, no labels yet", estimated);
  }

  private static Optional<VersionSummary> latest(Summary s) {
    return s.versions().stream()
        .max(java.util.Comparator.comparingLong(v -> v.cumulative().matrix().count()));
  }

  private static double orNaN(Double d) {
    return d == null ? Double.NaN : d;
  }

  private static void deleteQuietly(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      // A temp directory left behind is harmless.
    }
  }
}
