package io.digitstream.streams.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.digitstream.accuracy.WindowKind;
import io.digitstream.record.Json;
import io.digitstream.streams.accuracy.AccuracyQueries;
import io.digitstream.streams.accuracy.Peers;
import io.digitstream.streams.accuracy.QueryUnavailableException;
import io.digitstream.streams.models.ModelStatus;
import io.digitstream.streams.monitor.ImageKind;
import io.digitstream.streams.monitor.ImageRingSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's HTTP server, on the JDK's built-in server: the accuracy page, the REST API,
 * health and readiness, and the Prometheus endpoint. See docs/accuracy.md for every endpoint.
 */
public final class WebServer implements AutoCloseable {
  /** Most windows one request may ask for. */
  public static final int MAX_LIMIT = 1000;

  private static final Logger log = LoggerFactory.getLogger(WebServer.class);
  private static final String STATIC = "/io/digitstream/streams/web/";
  private static final Map<String, String> PAGES =
      Map.of(
          "/", "index.html",
          "/index.html", "index.html",
          "/app.js", "app.js",
          "/app.css", "app.css");
  private static final String JSON = "application/json; charset=utf-8";
  private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

  /** Threads that read requests and answer those that need no other instance. */
  static final int FRONT_THREADS = 4;

  static final int FRONT_QUEUE = 256;

  /** Threads for queries that may wait for other instances, and how many may wait for one. */
  static final int QUERY_THREADS = 4;

  static final int QUERY_QUEUE = 16;

  private final HttpServer server;
  private final ExecutorService front;
  private final ExecutorService queries;
  private final HttpSettings settings;
  private final Backend backend;

  private WebServer(
      HttpServer server,
      ExecutorService front,
      ExecutorService queries,
      HttpSettings settings,
      Backend backend) {
    this.server = server;
    this.front = front;
    this.queries = queries;
    this.settings = settings;
    this.backend = backend;
  }

  /** Binds {@code settings}' address and starts serving. */
  public static WebServer start(HttpSettings settings, Backend backend) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 64);
    } catch (IOException | RuntimeException e) {
      throw new HttpBindException(
          "Cannot listen on "
              + settings.host()
              + ":"
              + settings.port()
              + " ("
              + HttpSettings.HOST
              + ", "
              + HttpSettings.PORT
              + "; 0 picks a free port): "
              + e.getMessage(),
          e);
    }
    // Requests are read and cheap ones answered (health, readiness, pages, metrics, answers to
    // other instances) on the front pool; a query that may wait for other instances runs on its
    // own bounded pool, so that a hung peer and a few open pages never delay a liveness probe.
    ThreadPoolExecutor front = pool("digitstream-http-", FRONT_THREADS, FRONT_QUEUE);
    ThreadPoolExecutor queries = pool("digitstream-query-", QUERY_THREADS, QUERY_QUEUE);
    WebServer web = new WebServer(server, front, queries, settings, backend);
    server.createContext("/", web::handle);
    server.setExecutor(front);
    server.start();
    log.info("Accuracy page and REST API at {}", web.url());
    return web;
  }

  private static ThreadPoolExecutor pool(String prefix, int threads, int queue) {
    AtomicInteger count = new AtomicInteger();
    return new ThreadPoolExecutor(
        threads,
        threads,
        0,
        TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(queue),
        r -> {
          Thread t = new Thread(r, prefix + count.incrementAndGet());
          t.setDaemon(true);
          return t;
        },
        new ThreadPoolExecutor.AbortPolicy());
  }

  /** The bound address (the real port when 0 was asked for). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** The page's URL, e.g. {@code http://127.0.0.1:8080/}. */
  public URI url() {
    InetSocketAddress a = address();
    String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getHostString();
    return URI.create(
        "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/");
  }

  /** Queries waiting for a thread of their pool. */
  int waitingQueries() {
    return ((ThreadPoolExecutor) queries).getQueue().size();
  }

  @Override
  public void close() {
    server.stop(0);
    queries.shutdownNow();
    front.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    if (!mayAskPeers(exchange)) {
      answer(exchange);
      return;
    }
    try {
      queries.execute(() -> answer(exchange));
    } catch (RejectedExecutionException e) {
      try {
        exchange.getResponseHeaders().set("Retry-After", "1");
        error(
            exchange,
            503,
            "busy: "
                + (QUERY_THREADS + QUERY_QUEUE)
                + " queries are already running or waiting; try again shortly");
      } finally {
        exchange.close();
      }
    }
  }

  /** A query of this instance's API that may forward to other instances. */
  private static boolean mayAskPeers(HttpExchange exchange) {
    return "GET".equals(exchange.getRequestMethod())
        && exchange.getRequestURI().getRawPath().startsWith("/api/")
        && !isForwarded(exchange);
  }

  private static boolean isForwarded(HttpExchange exchange) {
    return "true".equalsIgnoreCase(exchange.getRequestHeaders().getFirst(Peers.LOCAL_HEADER));
  }

  private void answer(HttpExchange exchange) {
    try {
      respond(exchange);
    } catch (IOException e) {
      // The client went away; nothing to answer.
      log.debug("Cannot answer {}", exchange.getRequestURI(), e);
    } finally {
      exchange.close();
    }
  }

  private void respond(HttpExchange exchange) throws IOException {
    try {
      if (!"GET".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "GET");
        error(exchange, 405, "only GET is supported");
        return;
      }
      String host = exchange.getRequestHeaders().getFirst("Host");
      if (!settings.allowsHostHeader(host)) {
        error(
            exchange,
            421,
            "this server does not answer to host '"
                + host
                + "'; allowed: "
                + String.join(",", settings.allowedHosts())
                + " ("
                + HttpSettings.ALLOWED_HOSTS
                + ")");
        return;
      }
      route(exchange);
    } catch (QueryUnavailableException e) {
      error(exchange, 503, e.getMessage());
    } catch (BadRequest e) {
      error(exchange, 400, e.getMessage());
    } catch (RuntimeException e) {
      log.warn("Request {} failed", exchange.getRequestURI(), e);
      error(exchange, 500, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private void route(HttpExchange exchange) throws IOException {
    // The raw path: each segment is decoded once, where it is split (a version may hold a '/').
    String path = exchange.getRequestURI().getRawPath();
    boolean local = isForwarded(exchange);
    if (PAGES.containsKey(path)) {
      page(exchange, PAGES.get(path));
      return;
    }
    switch (path) {
      case "/health" -> health(exchange);
      case "/ready" -> ready(exchange);
      case "/metrics" ->
          send(exchange, 200, PROMETHEUS, backend.prometheus().getBytes(StandardCharsets.UTF_8));
      case "/api/summary" -> json(exchange, 200, backend.summary());
      case "/api/models" -> json(exchange, 200, backend.models());
      case "/api/accuracy", "/api/accuracy/" ->
          json(exchange, 200, new AccuracyQueries.VersionList(backend.versions(local)));
      case "/internal/stats" -> json(exchange, 200, backend.localStats());
      case "/api/images" -> images(exchange, local);
      case "/api/alerts" -> json(exchange, 200, backend.alerts());
      default -> {
        if (path.startsWith("/api/accuracy/")) {
          accuracy(exchange, path.substring("/api/accuracy/".length()), local);
        } else {
          error(exchange, 404, "no such page: " + path);
        }
      }
    }
  }

  private void accuracy(HttpExchange exchange, String rest, boolean local) throws IOException {
    String[] parts = rest.split("/", -1);
    String version = decodeSegment(parts[0]);
    if (version.isBlank() || parts.length > 2) {
      error(exchange, 404, "no such page: /api/accuracy/" + rest);
      return;
    }
    String what = parts.length == 2 ? parts[1] : "";
    switch (what) {
      case "" -> found(exchange, backend.version(version, local), version);
      case "cumulative" -> found(exchange, backend.cumulative(version, local), version);
      case "windows" -> {
        Map<String, String> query = query(exchange.getRequestURI());
        WindowKind kind;
        try {
          kind = WindowKind.parse(query.getOrDefault("kind", "tumbling"));
        } catch (IllegalArgumentException e) {
          throw new BadRequest(e.getMessage());
        }
        int limit = limit(query.getOrDefault("limit", "10"));
        json(
            exchange,
            200,
            new AccuracyQueries.WindowList(
                version, kind, backend.windows(version, kind, limit, local)));
      }
      default -> error(exchange, 404, "no such page: /api/accuracy/" + rest);
    }
  }

  private void images(HttpExchange exchange, boolean local) throws IOException {
    Map<String, String> query = query(exchange.getRequestURI());
    ImageKind kind;
    try {
      kind = ImageKind.parse(query.getOrDefault("kind", ImageKind.MISCLASSIFIED.label()));
    } catch (IllegalArgumentException e) {
      throw new BadRequest(e.getMessage());
    }
    int limit =
        limit(query.getOrDefault("limit", String.valueOf(ImageRingSettings.DEFAULT_PER_RING)));
    json(exchange, 200, backend.images(kind, limit, local));
  }

  private void found(HttpExchange exchange, Optional<?> value, String version) throws IOException {
    if (value.isPresent()) {
      json(exchange, 200, value.get());
    } else {
      error(exchange, 404, "no pairs counted yet for model version '" + version + "'");
    }
  }

  private void health(HttpExchange exchange) throws IOException {
    KafkaStreams.State state = backend.state();
    boolean alive =
        state != KafkaStreams.State.ERROR
            && state != KafkaStreams.State.NOT_RUNNING
            && state != KafkaStreams.State.PENDING_ERROR
            && state != KafkaStreams.State.PENDING_SHUTDOWN;
    // From cached state only: no call to another instance inside a health check.
    ModelStatus model = backend.model();
    List<String> degraded = model.degradedReasons();
    // A refused model is not a failure: the previous model keeps serving, so still UP. A
    // quarantined model or instances that disagree on the model serve, but not as announced.
    String status = !alive ? "DOWN" : degraded.isEmpty() ? "UP" : "DEGRADED";
    Map<String, Object> body = new LinkedHashMap<>(status(status, state));
    body.put("model", model);
    json(exchange, alive ? 200 : 503, body);
  }

  private void ready(HttpExchange exchange) throws IOException {
    KafkaStreams.State state = backend.state();
    boolean ready = state == KafkaStreams.State.RUNNING;
    json(exchange, ready ? 200 : 503, status(ready ? "READY" : "NOT_READY", state));
  }

  private static Map<String, String> status(String status, KafkaStreams.State state) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("status", status);
    body.put("state", state.name());
    return body;
  }

  private static int limit(String raw) {
    try {
      int limit = Integer.parseInt(raw);
      if (limit >= 1 && limit <= MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // Reported below with the accepted range.
    }
    throw new BadRequest(
        "limit must be an integer between 1 and " + MAX_LIMIT + ", got '" + raw + "'");
  }

  /** Percent-decodes one path segment; unlike a query, a path keeps '+' as it is. */
  static String decodeSegment(String raw) {
    try {
      return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new BadRequest("malformed percent-encoding in '" + raw + "'");
    }
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> out = new LinkedHashMap<>();
    String raw = uri.getRawQuery();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        out.put(
            URLDecoder.decode(key, StandardCharsets.UTF_8),
            URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw new BadRequest("malformed percent-encoding in '" + pair + "'");
      }
    }
    return out;
  }

  private static void page(HttpExchange exchange, String name) throws IOException {
    byte[] body;
    try (InputStream in = WebServer.class.getResourceAsStream(STATIC + name)) {
      if (in == null) {
        throw new IllegalStateException("resource " + STATIC + name + " is missing from the build");
      }
      body = in.readAllBytes();
    }
    String type =
        name.endsWith(".html")
            ? "text/html; charset=utf-8"
            : name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
    send(exchange, 200, type, body);
  }

  private static void json(HttpExchange exchange, int status, Object value) throws IOException {
    byte[] body;
    try {
      body = Json.MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    send(exchange, status, JSON, body);
  }

  private static void error(HttpExchange exchange, int status, String message) throws IOException {
    json(exchange, status, Map.of("error", message == null ? "" : message));
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static final class BadRequest extends RuntimeException {
    BadRequest(String message) {
      super(message);
    }
  }
}
