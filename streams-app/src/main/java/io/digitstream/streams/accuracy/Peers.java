package io.digitstream.streams.accuracy;

import com.fasterxml.jackson.databind.JavaType;
import io.digitstream.record.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Asks another instance of the application (found through Kafka Streams' metadata, at its {@code
 * application.server} address) for state that only it holds. Every request carries {@link
 * #LOCAL_HEADER}, so the other instance answers from its own state and never forwards again.
 */
public final class Peers {
  /** Header of a forwarded request: answer from local state only. */
  public static final String LOCAL_HEADER = "X-Digitstream-Local";

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

  private final HttpClient client =
      HttpClient.newBuilder()
          .connectTimeout(CONNECT_TIMEOUT)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  /** GETs {@code path} from {@code host} as JSON; empty on 404. */
  public <T> Optional<T> get(HostInfo host, String path, Class<T> type) {
    return get(host, path, Json.MAPPER.constructType(type));
  }

  /** GETs {@code path} from {@code host} as JSON of {@code type}; empty on 404. */
  public <T> Optional<T> get(HostInfo host, String path, JavaType type) {
    HttpResponse<byte[]> response;
    try {
      response = client.send(request(host, path).build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new QueryUnavailableException(noAnswer(host, path), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QueryUnavailableException("interrupted while asking " + uri(host, path), e);
    }
    return read(host, path, response, type);
  }

  /**
   * GETs {@code path} from every host at once and waits at most {@code deadline} for all of them:
   * the answers in {@code hosts}' order, and for each host that failed or was too slow, a line in
   * {@code problems}. One hung instance costs the deadline, not a timeout per instance.
   */
  public <T> List<T> getEach(
      List<HostInfo> hosts, String path, Class<T> type, Duration deadline, List<String> problems) {
    JavaType javaType = Json.MAPPER.constructType(type);
    List<CompletableFuture<HttpResponse<byte[]>>> sent = new ArrayList<>();
    for (HostInfo host : hosts) {
      sent.add(
          client.sendAsync(
              request(host, path).timeout(min(deadline, REQUEST_TIMEOUT)).build(),
              HttpResponse.BodyHandlers.ofByteArray()));
    }
    long end = System.nanoTime() + deadline.toNanos();
    List<T> answers = new ArrayList<>();
    for (int i = 0; i < hosts.size(); i++) {
      HostInfo host = hosts.get(i);
      try {
        long left = Math.max(0, end - System.nanoTime());
        Peers.<T>read(host, path, sent.get(i).get(left, TimeUnit.NANOSECONDS), javaType)
            .ifPresent(answers::add);
      } catch (QueryUnavailableException e) {
        problems.add(e.getMessage());
      } catch (ExecutionException e) {
        problems.add(noAnswer(host, path) + ": " + e.getCause());
      } catch (TimeoutException e) {
        sent.get(i).cancel(true);
        problems.add(noAnswer(host, path) + " within " + deadline.toMillis() + " ms");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        problems.add("interrupted while asking " + uri(host, path));
        break;
      }
    }
    return answers;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static URI uri(HostInfo host, String path) {
    return URI.create("http://" + host.host() + ":" + host.port() + path);
  }

  private static String noAnswer(HostInfo host, String path) {
    return "instance " + host.host() + ":" + host.port() + " did not answer " + path;
  }

  private static HttpRequest.Builder request(HostInfo host, String path) {
    return HttpRequest.newBuilder(uri(host, path))
        .timeout(REQUEST_TIMEOUT)
        .header(LOCAL_HEADER, "true")
        .header("Accept", "application/json")
        .GET();
  }

  private static <T> Optional<T> read(
      HostInfo host, String path, HttpResponse<byte[]> response, JavaType type) {
    if (response.statusCode() == 404) {
      return Optional.empty();
    }
    if (response.statusCode() != 200) {
      throw new QueryUnavailableException(
          "instance "
              + host.host()
              + ":"
              + host.port()
              + " answered "
              + response.statusCode()
              + " to "
              + path,
          null);
    }
    try {
      return Optional.of(Json.MAPPER.readValue(response.body(), type));
    } catch (IOException e) {
      throw new QueryUnavailableException("unreadable answer from " + uri(host, path), e);
    }
  }
}
