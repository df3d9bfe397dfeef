package io.digitstream.producer;

import io.digitstream.config.ConfigException;
import io.digitstream.config.Settings;
import io.digitstream.image.IdxFormatException;
import io.digitstream.image.ImageFileException;
import io.digitstream.image.MnistDataset;
import io.digitstream.image.MnistFetch;
import io.digitstream.image.Shift;
import io.digitstream.producer.PublishSummary.Outcome;
import io.digitstream.producer.source.FileLabels;
import io.digitstream.producer.source.FileTreeSource;
import io.digitstream.producer.source.IdxSource;
import io.digitstream.producer.source.ImageSource;
import io.digitstream.producer.source.Selection;
import io.digitstream.topic.TopicNames;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code digitstream produce}: publishes MNIST IDX images or image files, with their labels, to
 * Kafka. This class only turns flags into settings and a source and runs a {@link DigitPublisher};
 * exit codes: 0 all published, 1 a send failed, Kafka was not usable or an input hit an internal
 * error, 2 bad usage, settings or input, 130 interrupted.
 */
@Command(
    name = "produce",
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Publish handwritten digit images, and their true labels, to Kafka.",
      "Images go to the images topic, labels to the labels topic, both keyed by image id.",
      "Without a source option, publishes the MNIST test set from data/mnist."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every image (and label) acknowledged by Kafka",
      "1:a send failed, Kafka was unreachable or a topic missing; or an internal error on an input",
      "2:bad usage, settings or source; a bad input with --fail-on-bad-input",
      "130:interrupted (Ctrl-C); records in flight are still awaited"
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  produce --rate 50 --label-delay 5s",
      "      MNIST test set at 50 images/s, each label 5 s after its image",
      "  produce --mnist train --shuffle --seed 7 --limit 1000 --json",
      "  produce my-digits/",
      "      image files; labels from directories such as my-digits/7/",
      "  produce --label-pattern '^(\\d)_' scans/",
      "      labels from file names such as 7_scan.png",
      "  produce --shift noise --shift-at 5000",
      "  produce --shift blur --shift-at 2000 --shift-until 4000",
      "      from the 5,000th image on, every image with Gaussian noise",
      "  produce --shift nondigit --shift-at 2000 --shift-fraction 0.3",
      "      30 % of the images from 2,000 on replaced by non-digits (sent without label)",
      "  produce --producer-config client.properties --no-create-topics",
      "",
      "Settings come from --producer-config, then DIGITSTREAM_* environment",
      "variables (DIGITSTREAM_BOOTSTRAP_SERVERS=...), then -X, then the options",
      "above. Any Kafka producer setting passes through, so SASL and TLS clusters",
      "work; secrets are never printed."
    })
public final class ProducerCli implements Callable<Integer> {
  private static final Path DEFAULT_DATA = MnistFetch.DEFAULT_DIR;
  private static final int LISTED_IN_TEXT = 20;
  private static final long SHUTDOWN_WAIT_SECONDS = 60;

  @Spec CommandSpec spec;

  @ArgGroup(validate = false, heading = "%nSource (one of):%n", order = 1)
  SourceOptions source = new SourceOptions();

  @ArgGroup(validate = false, heading = "%nSelection:%n", order = 2)
  SelectionOptions selection = new SelectionOptions();

  @ArgGroup(validate = false, heading = "%nLabels:%n", order = 3)
  LabelOptions labels = new LabelOptions();

  @ArgGroup(
      validate = false,
      heading = "%nShift on purpose (for demos and monitoring tests):%n",
      order = 4)
  ShiftOptions shift = new ShiftOptions();

  @ArgGroup(validate = false, heading = "%nPace and output:%n", order = 5)
  RunOptions run = new RunOptions();

  @ArgGroup(validate = false, heading = "%nKafka:%n", order = 6)
  KafkaOptions kafka = new KafkaOptions();

  @Parameters(
      paramLabel = "PATH",
      arity = "0..*",
      description = "Image files or directories (searched recursively): PNG, JPEG, BMP, GIF.")
  List<Path> paths = new ArrayList<>();

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      order = 100,
      description = "Show this help and exit.")
  boolean help;

  private final Map<String, String> environment;

  /** Reads {@code DIGITSTREAM_*} settings from the process environment. */
  public ProducerCli() {
    this(System.getenv());
  }

  ProducerCli(Map<String, String> environment) {
    this.environment = environment;
  }

  /** Runs {@code produce} and exits with its exit code. */
  public static void main(String[] args) {
    System.exit(commandLine(new ProducerCli()).execute(args));
  }

  /** The command line with digitstream's handling of usage errors. */
  static CommandLine commandLine(ProducerCli command) {
    CommandLine cli = new CommandLine(command);
    cli.setParameterExceptionHandler(
        (e, args) -> {
          CommandLine cmd = e.getCommandLine();
          cmd.getErr().println("error: " + e.getMessage());
          cmd.getErr().println("Try 'produce --help' for the options.");
          cmd.getErr().flush();
          if (Arrays.asList(args).contains("--json")) {
            cmd.getOut()
                .println(PublishSummary.notStarted(Outcome.BAD_CONFIG, e.getMessage()).toJson());
            cmd.getOut().flush();
          }
          return Outcome.BAD_CONFIG.exitCode();
        });
    return cli;
  }

  static final class SourceOptions {
    @Option(
        names = "--mnist",
        paramLabel = "test|train",
        description = "An MNIST split from --data; ids like mnist-test-00042.")
    String mnist;

    @Option(
        names = "--data",
        paramLabel = "DIR",
        description = "Directory with the MNIST IDX files, plain or .gz (default: data/mnist).")
    Path data;

    @Option(
        names = "--idx-images",
        paramLabel = "FILE",
        description =
            "Any 28x28 IDX image file; ids from its name (t10k-images-idx3-ubyte: t10k-00042).")
    Path idxImages;

    @Option(
        names = "--idx-labels",
        paramLabel = "FILE",
        description = "The IDX label file matching --idx-images (without it: no labels).")
    Path idxLabels;
  }

  static final class SelectionOptions {
    @Option(
        names = "--offset",
        paramLabel = "N",
        defaultValue = "0",
        description = "Skip the first N inputs (default: ${DEFAULT-VALUE}).")
    int offset;

    @Option(
        names = "--limit",
        paramLabel = "N",
        defaultValue = "0",
        description = "Publish at most N inputs; 0 = all (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(
        names = "--shuffle",
        description = "Shuffle the inputs by --seed before --offset and --limit apply.")
    boolean shuffle;

    @Option(
        names = "--seed",
        paramLabel = "N",
        defaultValue = "42",
        description =
            "Seed of --shuffle and --shift; the same seed gives the same order and the same"
                + " distortions (default: ${DEFAULT-VALUE}).")
    long seed;
  }

  static final class LabelOptions {
    @Option(
        names = "--label-delay",
        paramLabel = "DURATION",
        converter = DurationConverter.class,
        description =
            "Send each label this long after Kafka acknowledged its image, as late truth (e.g. 500ms,"
                + " 5s, 2m; default: 0).")
    Duration labelDelay;

    @Option(names = "--no-labels", description = "Send images only.")
    boolean noLabels;

    @Option(
        names = "--label-pattern",
        paramLabel = "REGEX",
        description =
            "For image files: the label is what the group 'label' (or the first group) of REGEX"
                + " captures in the file name. Default: the parent directory's name if a digit.")
    String labelPattern;
  }

  static final class ShiftOptions {
    @Option(
        names = "--shift",
        paramLabel = "KIND[,KIND...]",
        description =
            "Distort images: rotate, noise, blur, thicken, invert, nondigit, or mix (all of them);"
                + " with several kinds each image gets one, chosen by --seed and its id. Images"
                + " replaced by non-digits are sent without a label.")
    String kinds;

    @Option(
        names = "--shift-at",
        paramLabel = "N",
        description =
            "Index (0-based, in this run's order, bad inputs included) of the first distorted"
                + " image; the ones before are sent unchanged (default: 0).")
    Long at;

    @Option(
        names = "--shift-until",
        paramLabel = "N",
        description =
            "Index of the first image sent unchanged again after the shift (default: the shift"
                + " lasts to the end).")
    Long until;

    @Option(
        names = "--shift-strength",
        paramLabel = "X",
        description =
            "Strength of the one --shift kind: rotate degrees (default 45), noise σ in grey levels"
                + " (64), blur σ in pixels (1.5), thicken radius in pixels, negative thins (2).")
    Double strength;

    @Option(
        names = "--shift-fraction",
        paramLabel = "F",
        description =
            "Share of the images from --shift-at on that are distorted, evenly spaced, 0-1"
                + " (default: 1).")
    Double fraction;
  }

  static final class RunOptions {
    @Option(
        names = "--rate",
        paramLabel = "N",
        defaultValue = "0",
        description =
            "Images per second, evenly spaced; 0 = as fast as possible (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(
        names = "--fail-on-bad-input",
        description = "Stop with exit code 2 at the first unusable input instead of skipping it.")
    boolean failOnBadInput;

    @Option(names = "--json", description = "Print the summary as one JSON document on stdout.")
    boolean json;

    @Option(
        names = "--verbose",
        description = "Print the stack trace of each input that failed with an internal error.")
    boolean verbose;

    @Option(
        names = "--progress",
        paramLabel = "MODE",
        defaultValue = "auto",
        description =
            "auto, bar, lines or none, on stderr (default: ${DEFAULT-VALUE}: a bar on a terminal).")
    String progress;
  }

  static final class KafkaOptions {
    @Option(
        names = "--bootstrap-servers",
        paramLabel = "HOST:PORT",
        description =
            "Kafka brokers (default: "
                + DigitPublisher.DEFAULT_BOOTSTRAP_SERVERS
                + ", the demo's broker).")
    String bootstrapServers;

    @Option(
        names = "--producer-config",
        paramLabel = "FILE",
        description = "A properties file of Kafka producer and digitstream.* settings.")
    Path producerConfig;

    @Option(
        names = "-X",
        paramLabel = "KEY=VALUE",
        description =
            "A Kafka producer or digitstream.* setting, e.g. -X linger.ms=20; repeatable.")
    List<String> overrides = new ArrayList<>();

    @Option(
        names = "--topic-images",
        paramLabel = "TOPIC",
        description = "Images topic (digitstream.topic.images, default: digits.images).")
    String topicImages;

    @Option(
        names = "--topic-labels",
        paramLabel = "TOPIC",
        description = "Labels topic (digitstream.topic.labels, default: digits.labels).")
    String topicLabels;

    @Option(
        names = "--partitions",
        paramLabel = "N",
        description =
            "Partitions of topics it creates ("
                + DigitPublisher.PARTITIONS
                + ", default: "
                + DigitPublisher.DEFAULT_PARTITIONS
                + ").")
    Integer partitions;

    @Option(
        names = "--replication-factor",
        paramLabel = "N",
        description =
            "Replication factor of topics it creates ("
                + DigitPublisher.REPLICATION_FACTOR
                + ", default: the broker's).")
    Integer replicationFactor;

    @Option(
        names = "--create-topics",
        negatable = true,
        description =
            "Create missing topics and wait for their leaders ("
                + DigitPublisher.CREATE_TOPICS
                + ", default: on). With --no-create-topics a missing topic is an error.")
    Boolean createTopics;

    @Option(
        names = "--show-config",
        description = "Print the effective settings (secrets hidden) on stderr before publishing.")
    boolean showConfig;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ConsoleProgress console = new ConsoleProgress(err, progressMode(), run.verbose);
    SecretScrubber scrubber = SecretScrubber.of(new Properties());
    ImageSource imageSource;
    DigitPublisher publisher;
    try {
      Properties settings = loadSettings();
      scrubber = SecretScrubber.of(settings);
      if (kafka.showConfig) {
        err.print(SecretScrubber.describeSettings(settings));
        err.flush();
      }
      checkSourceOptions();
      Shift chosenShift = shift();
      // Settings first: a wrong setting should be reported even when the source is wrong too.
      publisher =
          DigitPublisher.builder()
              .settings(settings)
              .rate(run.rate)
              .labelDelay(labels.labelDelay == null ? Duration.ZERO : labels.labelDelay)
              .sendLabels(!labels.noLabels)
              .failOnBadInput(run.failOnBadInput)
              .shift(chosenShift)
              .build();
    } catch (ConfigException | IllegalArgumentException e) {
      return report(
          PublishSummary.notStarted(Outcome.BAD_CONFIG, scrubber.scrub(e.getMessage())),
          out,
          err,
          console);
    }
    try {
      imageSource = openSource();
    } catch (ConfigException
        | IdxFormatException
        | ImageFileException
        | IllegalArgumentException
        | IOException e) {
      publisher.close();
      String message =
          scrubber.scrub(e instanceof IOException ? "cannot read input: " + e : e.getMessage());
      return report(PublishSummary.notStarted(Outcome.BAD_CONFIG, message), out, err, console);
    }
    CountDownLatch done = new CountDownLatch(1);
    Thread hook =
        new Thread(() -> stopAndWait(publisher, done, console), "digitstream-produce-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try (publisher) {
      if (console.mode() != ConsoleProgress.Mode.NONE) {
        console.line(plan(imageSource, publisher));
      }
      PublishSummary summary = publisher.publish(imageSource, console);
      return report(summary, out, err, console);
    } finally {
      done.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down (Ctrl-C); the hook is running and sees done.
      }
    }
  }

  /** On Ctrl-C: stop taking images, let the run finish its sends and print its summary. */
  private static void stopAndWait(
      DigitPublisher publisher, CountDownLatch done, ConsoleProgress console) {
    console.line("Stopping: no new images; waiting for records in flight, sending late labels now");
    publisher.stop();
    try {
      done.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The summary on stdout; an error that stopped everything before it began goes to stderr. */
  private int report(
      PublishSummary summary, PrintWriter out, PrintWriter err, ConsoleProgress console) {
    boolean onlyAnError = summary.error() != null && !summary.attempted();
    if (run.json) {
      out.println(summary.toJson());
    } else if (!onlyAnError) {
      out.print(summary.toText(LISTED_IN_TEXT));
    }
    if (onlyAnError) {
      console.line("error: " + summary.error());
    }
    out.flush();
    err.flush();
    return summary.exitCode();
  }

  private ConsoleProgress.Mode progressMode() {
    try {
      return ConsoleProgress.Mode.valueOf(run.progress.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          spec.commandLine(),
          "Invalid value for --progress: '"
              + run.progress
              + "', expected auto, bar, lines or none");
    }
  }

  /** Defaults, then the file, then the environment, then -X, then the dedicated options. */
  private Properties loadSettings() {
    Map<String, String> overrides = new LinkedHashMap<>(Settings.parsePairs(kafka.overrides));
    putIfSet(overrides, "bootstrap.servers", kafka.bootstrapServers);
    putIfSet(overrides, TopicNames.PREFIX + "images", kafka.topicImages);
    putIfSet(overrides, TopicNames.PREFIX + "labels", kafka.topicLabels);
    putIfSet(overrides, DigitPublisher.PARTITIONS, kafka.partitions);
    putIfSet(overrides, DigitPublisher.REPLICATION_FACTOR, kafka.replicationFactor);
    putIfSet(overrides, DigitPublisher.CREATE_TOPICS, kafka.createTopics);
    return Settings.load(
        DigitPublisher.defaultSettings(), kafka.producerConfig, environment, overrides);
  }

  private static void putIfSet(Map<String, String> overrides, String key, Object value) {
    if (value != null) {
      overrides.put(key, String.valueOf(value));
    }
  }

  /** Usage mistakes in the source options, found before anything is read or connected. */
  private void checkSourceOptions() {
    SourceOptions s = source;
    int given =
        (s.mnist != null ? 1 : 0) + (s.idxImages != null ? 1 : 0) + (paths.isEmpty() ? 0 : 1);
    if (given > 1) {
      throw usage("give one source: --mnist, --idx-images or image PATHs");
    }
    if (s.idxLabels != null && s.idxImages == null) {
      throw usage("--idx-labels needs --idx-images");
    }
    if (s.data != null && (s.idxImages != null || !paths.isEmpty())) {
      throw usage("--data applies to --mnist only");
    }
    if (labels.labelPattern != null && paths.isEmpty()) {
      throw usage("--label-pattern applies to image files (PATH arguments) only");
    }
    if (labels.noLabels && (labels.labelDelay != null || labels.labelPattern != null)) {
      throw usage("--no-labels contradicts --label-delay and --label-pattern");
    }
  }

  /** The shift the options ask for, or null; usage mistakes are reported as such. */
  private Shift shift() {
    ShiftOptions o = shift;
    if (o.kinds == null) {
      if (o.at != null || o.until != null || o.strength != null || o.fraction != null) {
        throw usage(
            "--shift-at, --shift-until, --shift-strength and --shift-fraction need --shift KIND");
      }
      return null;
    }
    try {
      Shift parsed =
          Shift.parse(
              o.kinds,
              o.strength,
              o.at == null ? 0 : o.at,
              o.fraction == null ? 1 : o.fraction,
              selection.seed);
      return o.until == null ? parsed : parsed.until(o.until);
    } catch (ConfigException e) {
      throw usage(e.getMessage());
    }
  }

  private ImageSource openSource() throws IOException {
    SourceOptions s = source;
    Selection chosen =
        new Selection(selection.offset, selection.limit, selection.shuffle, selection.seed);
    if (!paths.isEmpty()) {
      FileLabels fileLabels =
          labels.noLabels
              ? FileLabels.none()
              : labels.labelPattern != null
                  ? FileLabels.pattern(labels.labelPattern)
                  : FileLabels.parentDirectory();
      return FileTreeSource.of(paths, fileLabels, chosen);
    }
    if (s.idxImages != null) {
      return IdxSource.files(s.idxImages, labels.noLabels ? null : s.idxLabels, chosen);
    }
    Path dir = s.data == null ? DEFAULT_DATA : s.data;
    MnistFetch.ensure(dir, System.err);
    return IdxSource.mnist(dir, split(s.mnist), chosen);
  }

  private MnistDataset.Split split(String name) {
    if (name == null || name.equalsIgnoreCase("test")) {
      return MnistDataset.Split.TEST;
    }
    if (name.equalsIgnoreCase("train")) {
      return MnistDataset.Split.TRAIN;
    }
    throw usage("Invalid value for --mnist: '" + name + "', expected test or train");
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private String plan(ImageSource imageSource, DigitPublisher publisher) {
    String topics = publisher.topics().names().images();
    if (!labels.noLabels) {
      topics += " and " + publisher.topics().names().labels();
    }
    String pace =
        run.rate == 0
            ? "as fast as possible"
            : String.format(Locale.ROOT, "at %s images/s", strip(run.rate));
    String late =
        labels.noLabels || labels.labelDelay == null || labels.labelDelay.isZero()
            ? ""
            : ", labels " + DigitPublisher.describe(labels.labelDelay) + " after their image";
    String shifted = publisher.shift() == null ? "" : "; shift: " + publisher.shift().describe();
    return String.format(
        Locale.ROOT,
        "Publishing %,d input%s from %s to %s %s%s%s",
        imageSource.size(),
        imageSource.size() == 1 ? "" : "s",
        imageSource.name(),
        topics,
        pace,
        late,
        shifted);
  }

  private static String strip(double value) {
    return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
  }
}
