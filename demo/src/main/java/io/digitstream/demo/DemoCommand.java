package io.digitstream.demo;

import io.digitstream.image.Shift;
import io.digitstream.producer.DurationConverter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code digitstream demo}: everything on one machine, one command. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Start a real single-node Kafka broker (KRaft, embedded), the streams app and its live page,",
      "then stream the MNIST test images with their labels and show the rolling accuracy.",
      "With --shift-at N the images from the N-th on are distorted (--shift), and each alert",
      "is printed as it fires and clears. Ctrl-C stops early and still prints the summary."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  demo --images 2000 --rate 0",
      "  demo --shift-at 5000",
      "      a mix of distortions from image 5,000 on; alerts printed as they fire and clear",
      "  demo --shift-at 5000 --shift rotate --shift-strength 60",
      "  demo --rate 100 --shift-at 1000 --shift-until 3000 --shift noise",
      "      alerts fire during the shift and clear once a clean minute of images has passed"
    })
public final class DemoCommand implements Callable<Integer> {
  // produce's default --seed, so `produce --shift ...` of the same images sends the same bytes.
  private static final long DEFAULT_SEED = 42;

  @Option(
      names = "--images",
      defaultValue = "10000",
      description = "MNIST test images to stream, 1-10000 (default ${DEFAULT-VALUE}).")
  int images;

  @Option(
      names = "--rate",
      defaultValue = "500",
      description = "Images per second; 0 = as fast as possible (default ${DEFAULT-VALUE}).")
  double rate;

  @Option(
      names = "--label-delay",
      defaultValue = "1s",
      converter = DurationConverter.class,
      description =
          "How long each label follows its image, e.g. 500ms, 5s (default ${DEFAULT-VALUE}).")
  Duration labelDelay;

  @Option(
      names = "--model",
      defaultValue = "models/default",
      description = "Model bundle (default ${DEFAULT-VALUE}).")
  Path model;

  @Option(
      names = "--data",
      defaultValue = "data/mnist",
      description = "MNIST directory (default ${DEFAULT-VALUE}).")
  Path data;

  @Option(
      names = "--kafka-port",
      defaultValue = "9092",
      description = "Broker port; 0 = any free port (default ${DEFAULT-VALUE}).")
  int kafkaPort;

  @Option(
      names = "--http-port",
      defaultValue = "8080",
      description =
          "Port of the live page and REST API; 0 = any free port (default ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(
      names = "--partitions",
      defaultValue = "4",
      description = "Partitions per topic (default ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--threads",
      defaultValue = "2",
      description = "Stream threads, one network each (default ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--shift-at",
      paramLabel = "N",
      description =
          "Distort the images from the N-th on (0-based) with --shift; without it, and without"
              + " --shift, every image goes as it is.")
  Long shiftAt;

  @Option(
      names = "--shift-until",
      paramLabel = "M",
      description =
          "With --shift-at: images from the M-th on go unchanged again, so the alerts clear"
              + " (default: the shift lasts to the end).")
  Long shiftUntil;

  @Option(
      names = "--shift",
      paramLabel = "KIND[,KIND...]",
      description =
          "With --shift-at: rotate, noise, blur, thicken, invert, nondigit or mix (all of them;"
              + " the default). Non-digit images are sent without a label.")
  String shift;

  @Option(
      names = "--shift-strength",
      paramLabel = "X",
      description = "Strength of the one --shift kind, as for produce (default: the kind's own).")
  Double shiftStrength;

  @Option(
      names = "--shift-fraction",
      paramLabel = "F",
      description = "Share of the images from --shift-at on that are distorted, 0-1 (default 1).")
  Double shiftFraction;

  @Option(
      names = "--keep-running",
      description = "Leave the broker and the app up after streaming, until Ctrl-C.")
  boolean keepRunning;

  @Override
  public Integer call() throws Exception {
    if (images < 1 || images > 10_000) {
      throw new IllegalArgumentException("--images must be between 1 and 10000, got " + images);
    }
    if (rate < 0) {
      throw new IllegalArgumentException("--rate must be 0 or more, got " + rate);
    }
    Demo demo =
        new Demo(
            new Demo.Options(
                data,
                model,
                images,
                rate,
                labelDelay,
                kafkaPort,
                httpPort,
                partitions,
                threads,
                keepRunning,
                Duration.ofSeconds(2),
                shift()),
            System.out);
    // Handle Ctrl-C ourselves: stop publishing, print the summary, close everything, exit 0.
    Signal.handle(new Signal("INT"), s -> demo.requestStop());
    Signal.handle(new Signal("TERM"), s -> demo.requestStop());
    Demo.Result result = demo.run();
    // Ctrl-C is a normal end; otherwise the streamed matrix must equal evaluate's, cell by cell,
    // and the alerts must have been watched to the end.
    return (result.matchesEvaluate() && result.alertWatchFailure() == null)
            || demo.stopWasRequested()
        ? 0
        : 1;
  }

  /** The shift the options ask for, or null; a bad one is a ConfigException (exit 2). */
  private Shift shift() {
    if (shiftAt == null && shift == null) {
      if (shiftUntil != null || shiftStrength != null || shiftFraction != null) {
        throw new IllegalArgumentException(
            "--shift-until, --shift-strength and --shift-fraction need --shift-at N (or --shift"
                + " KIND)");
      }
      return null;
    }
    Shift parsed =
        Shift.parse(
            shift == null ? Shift.MIX : shift,
            shiftStrength,
            shiftAt == null ? 0 : shiftAt,
            shiftFraction == null ? 1 : shiftFraction,
            DEFAULT_SEED);
    return shiftUntil == null ? parsed : parsed.until(shiftUntil);
  }
}
