package io.digitstream.streams.accuracy;

import com.fasterxml.jackson.databind.JavaType;
import io.digitstream.record.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
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
    URI uri = URI.create("http://" + host.host() + ":" + host.port() + path);
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(REQUEST_TIMEOUT)
            .header(LOCAL_HEADER, "true")
            .header("Accept", "application/json")
            .GET()
            .build();
    HttpResponse<byte[]> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new QueryUnavailableException(
          "instance " + host.host() + ":" + host.port() + " did not answer " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QueryUnavailableException("interrupted while asking " + uri, e);
    }
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
      throw new QueryUnavailableException("unreadable answer from " + uri, e);
    }
  }
}
