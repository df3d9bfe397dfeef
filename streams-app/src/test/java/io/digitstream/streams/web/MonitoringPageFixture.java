package io.digitstream.streams.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.digitstream.accuracy.AccuracyWindow;
import io.digitstream.accuracy.ConfusionMatrix;
import io.digitstream.accuracy.WindowKind;
import io.digitstream.record.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/**
 * The real {@link WebServer} over a {@link FakeBackend}, behind a small proxy that adds what the
 * lead's monitoring adds to the accuracy windows ({@code monitor}: estimated accuracy, calibration,
 * drift, per the documented JSON shape) and answers the tumbling-window history with 30 windows
 * whose per-digit recall varies. Everything else (the page, {@code /api/images}, {@code
 * /api/alerts}) is the web server's own answer.
 */
public final class MonitoringPageFixture implements AutoCloseable {
  /** Drift thresholds the fake summary carries. */
  public static final Map<String, Double> THRESHOLDS =
      Map.of("digit-mix", 0.1, "input", 0.25, "confidence", 0.1, "error-cusum", 5.0);

  public static final int WINDOWS = 30;

  private final FakeBackend backend;
  private final WebServer web;
  private final HttpServer proxy;
  private final HttpClient http = HttpClient.newHttpClient();

  private MonitoringPageFixture(FakeBackend backend) throws IOException {
    this.backend = backend;
    this.web = WebServer.start(new HttpSettings("127.0.0.1", 0), backend);
    this.proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    proxy.createContext("/", this::handle);
    proxy.start();
  }

  /** Fills {@code backend}'s rings, alerts and thresholds and serves the page over it. */
  public static MonitoringPageFixture start(FakeBackend backend) throws IOException {
    backend.fillRings(60, 40);
    backend.alerts = FakeBackend.sampleAlerts();
    backend.driftThresholds = THRESHOLDS;
    return new MonitoringPageFixture(backend);
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + proxy.getAddress().getPort() + "/");
  }

  /**
   * The calibration bins of the cumulative window: bin k holds 10 + 5k pairs, right in share k/10 +
   * 0.04.
   */
  public static long correctInBin(int bin) {
    return Math.round((10 + 5 * bin) * Math.min(1.0, bin / 10.0 + 0.04));
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      String path = exchange.getRequestURI().getRawPath();
      byte[] body;
      if (path.equals("/api/summary")) {
        ObjectNode summary = (ObjectNode) Json.MAPPER.readTree(forward(exchange));
        for (JsonNode version : summary.get("versions")) {
          addMonitor((ObjectNode) version.get("cumulative"));
          addMonitor((ObjectNode) version.get("latestTumbling"));
        }
        body = Json.MAPPER.writeValueAsBytes(summary);
      } else if (path.startsWith("/api/accuracy/") && path.endsWith("/windows")) {
        body = Json.MAPPER.writeValueAsBytes(history());
      } else {
        body = forward(exchange);
      }
      String type =
          path.equals("/") || path.endsWith(".html")
              ? "text/html"
              : path.endsWith(".js")
                  ? "text/javascript"
                  : path.endsWith(".css") ? "text/css" : "application/json";
      exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } finally {
      exchange.close();
    }
  }

  private byte[] forward(HttpExchange exchange) throws IOException {
    URI target = web.url().resolve(exchange.getRequestURI().toString().substring(1));
    try {
      HttpResponse<byte[]> response =
          http.send(
              HttpRequest.newBuilder(target).build(), HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 200) {
        throw new IOException(target + " answered " + response.statusCode());
      }
      return response.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** Newest first, as the REST API answers: digit d misread more often in older windows. */
  private ObjectNode history() {
    ObjectNode list = Json.MAPPER.createObjectNode();
    list.put("modelVersion", FakeBackend.VERSION);
    list.put("kind", "tumbling");
    ArrayNode windows = list.putArray("windows");
    for (int i = 0; i < WINDOWS; i++) {
      long[][] m = new long[10][10];
      for (int d = 0; d < 10; d++) {
        m[d][d] = 100;
        m[d][(d + 1) % 10] = ((i + 1) * (d + 2)) % 7;
      }
      long start = FakeBackend.T0 - i * 60_000L;
      ObjectNode window =
          Json.MAPPER.valueToTree(
              new AccuracyWindow(
                  FakeBackend.VERSION,
                  WindowKind.TUMBLING,
                  start,
                  start + 60_000,
                  ConfusionMatrix.of(m)));
      addMonitor(window);
      windows.add(window);
    }
    return list;
  }

  private static void addMonitor(ObjectNode window) {
    ObjectNode monitor = window.putObject("monitor");
    monitor.put("predictions", 1200);
    monitor.put("estimatedAccuracy", 0.9871);
    monitor.put("outOfDistribution", 6);
    ArrayNode digits = monitor.putArray("predictedDigits");
    for (int d = 0; d < 10; d++) {
      digits.add(110 + d);
    }
    ObjectNode calibration = monitor.putObject("calibration");
    ArrayNode bins = calibration.putArray("bins");
    long pairs = 0;
    double gap = 0;
    for (int k = 0; k < 10; k++) {
      long count = 10 + 5 * k;
      ObjectNode bin = bins.addObject();
      bin.put("lower", k / 10.0);
      bin.put("upper", (k + 1) / 10.0);
      bin.put("count", count);
      bin.put("correct", correctInBin(k));
      bin.put("meanConfidence", k / 10.0 + 0.05);
      pairs += count;
      gap += Math.abs(correctInBin(k) - count * (k / 10.0 + 0.05));
    }
    calibration.put("pairs", pairs);
    calibration.put("ece", gap / pairs);
    monitor.put("estimateError", -0.0021);
    ObjectNode drift = monitor.putObject("drift");
    drift.put("digitMix", 0.04);
    drift.put("input", 0.41);
    ObjectNode inputs = drift.putObject("inputs");
    inputs.put("inkMass", 0.41);
    inputs.put("centreSpread", 0.22);
    drift.put("confidence", 0.07);
    // Not computable yet (no labels in the window): the page says so with a dash.
    drift.putNull("errorCusum");
  }

  public FakeBackend backend() {
    return backend;
  }

  @Override
  public void close() {
    proxy.stop(0);
    web.close();
    backend.metrics.close();
  }
}
