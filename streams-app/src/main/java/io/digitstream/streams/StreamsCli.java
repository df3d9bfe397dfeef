package io.digitstream.streams;

import io.digitstream.config.ConfigException;
import io.digitstream.config.Settings;
import io.digitstream.model.ModelBundleException;
import io.digitstream.streams.web.HttpBindException;
import io.digitstream.streams.web.HttpSettings;
import io.digitstream.topic.TopicSetupException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code digitstream stream}: scores every image on the images topic, joins the predictions with
 * the labels topic into rolling accuracy, and serves the accuracy page, the REST API and the
 * Prometheus metrics, until stopped. Ctrl-C or SIGTERM close Kafka Streams cleanly and the process
 * ends with the signal's status (130, 143); status 1 means a stream thread failed, 2 bad settings,
 * a missing model or missing topics.
 */
@Command(
    name = "stream",
    mixinStandardHelpOptions = true,
    description = {
      "Scores every image on the images topic with the CNN and writes one prediction per image;"
          + " records that cannot be scored go to the dead-letter topic.",
      "Joins predictions with the labels topic into confusion matrices (cumulative, tumbling,"
          + " hopping) on the accuracy topic, and serves the live accuracy page, a REST API and"
          + " Prometheus metrics (default http://127.0.0.1:8080/).",
      "Settings, lowest precedence first: defaults, --config file, DIGITSTREAM_* environment"
          + " variables (DIGITSTREAM_BOOTSTRAP_SERVERS=... for bootstrap.servers), -X key=value,"
          + " then the dedicated options. Any Kafka Streams or client property passes through.",
      "Run through the launcher, which sets OMP_NUM_THREADS=1 so each stream thread's network"
          + " uses one core."
    })
public final class StreamsCli implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", description = "A properties file.")
  Path config;

  @Option(
      names = "-X",
      paramLabel = "KEY=VALUE",
      description = "Any setting, e.g. -X security.protocol=SASL_SSL (repeatable).")
  List<String> overrides = new ArrayList<>();

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT,...",
      description = "Kafka brokers (bootstrap.servers; default 127.0.0.1:9092).")
  String bootstrapServers;

  @Option(
      names = "--model",
      paramLabel = "DIR",
      description =
          "Model bundle directory (" + StreamsSettings.MODEL + "; default models/default).")
  Path model;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Stream threads, each with its own network (num.stream.threads; default 2).")
  Integer threads;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      description = "Most images per batch (" + StreamsSettings.BATCH_MAX_SIZE + "; default 64).")
  Integer batchSize;

  @Option(
      names = "--batch-wait-ms",
      paramLabel = "MS",
      description =
          "Longest wait for a batch to fill ("
              + StreamsSettings.BATCH_MAX_WAIT_MS
              + "; default 10).")
  Integer batchWaitMs;

  @Option(
      names = "--http-host",
      paramLabel = "ADDRESS",
      description =
          "Address of the page and REST API (" + HttpSettings.HOST + "; default 127.0.0.1).")
  String httpHost;

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      description =
          "Port of the page and REST API (" + HttpSettings.PORT + "; default 8080, 0 = any free).")
  Integer httpPort;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command with its error handling: one clear line for expected failures. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new StreamsCli());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof ConfigException
              || e instanceof ModelBundleException
              || e instanceof TopicSetupException
              || e instanceof HttpBindException) {
            commandLine.getErr().println("error: " + e.getMessage());
            return 2;
          }
          throw e;
        });
    return cli;
  }

  @Override
  public Integer call() throws InterruptedException {
    StreamsSettings settings = StreamsSettings.load(config, System.getenv(), overrides());
    ScoringService service = new ScoringService(settings);
    try {
      service.start();
    } catch (RuntimeException e) {
      service.close();
      throw e;
    }
    // Ctrl-C and SIGTERM close Kafka Streams cleanly: work done so far is committed.
    Runtime.getRuntime().addShutdownHook(new Thread(service::close, "digitstream-shutdown"));
    KafkaStreams.State end = service.awaitTermination();
    return end == KafkaStreams.State.ERROR || service.failure().isPresent() ? 1 : 0;
  }

  /** -X pairs, then the dedicated options on top. */
  Map<String, String> overrides() {
    Map<String, String> out = new TreeMap<>(Settings.parsePairs(overrides));
    put(out, StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    put(out, StreamsSettings.MODEL, model);
    put(out, StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    put(out, StreamsSettings.BATCH_MAX_SIZE, batchSize);
    put(out, StreamsSettings.BATCH_MAX_WAIT_MS, batchWaitMs);
    put(out, HttpSettings.HOST, httpHost);
    put(out, HttpSettings.PORT, httpPort);
    return out;
  }

  private static void put(Map<String, String> out, String key, Object value) {
    if (value != null) {
      out.put(key, value.toString());
    }
  }
}
