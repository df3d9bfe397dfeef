package io.digitstream.streams.web;

import io.digitstream.config.ConfigException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Where the REST server and the accuracy page listen, and which names it answers to.
 *
 * @param host the address to bind; {@code 127.0.0.1} unless configured, so nothing is exposed to
 *     the network by accident
 * @param port the port; 0 picks a free one (the bound port is reported by the service)
 * @param allowedHosts the names a request's {@code Host} header may carry (without port, lower
 *     case); {@code *} allows any. On a loopback address only loopback names are allowed unless
 *     configured, so that a web page cannot reach the server through a rebinding DNS name.
 */
public record HttpSettings(String host, int port, List<String> allowedHosts) {
  public static final String HOST = "digitstream.http.host";
  public static final String PORT = "digitstream.http.port";
  public static final String ALLOWED_HOSTS = "digitstream.http.allowed.hosts";
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final String ANY_HOST = "*";

  private static final List<String> LOOPBACK_NAMES = List.of("localhost", "127.0.0.1", "[::1]");

  public HttpSettings {
    if (host == null || host.isBlank()) {
      throw ConfigException.invalid(HOST, host, "an address to bind, e.g. 127.0.0.1 or 0.0.0.0");
    }
    if (port < 0 || port > 65_535) {
      throw ConfigException.invalid(PORT, port, "a port between 0 and 65535 (0 = any free port)");
    }
    allowedHosts =
        allowedHosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).distinct().toList();
    if (allowedHosts.isEmpty() || allowedHosts.stream().anyMatch(String::isEmpty)) {
      throw ConfigException.invalid(
          ALLOWED_HOSTS,
          String.join(",", allowedHosts),
          "a comma-separated list of host names, or * for any");
    }
  }

  /** On {@code host} and {@code port}, answering to the default names for {@code host}. */
  public HttpSettings(String host, int port) {
    this(host, port, defaultAllowedHosts(host));
  }

  /** {@code raw} is the comma-separated setting; blank means the default for {@code host}. */
  public static HttpSettings of(String host, int port, String raw) {
    if (raw == null || raw.isBlank()) {
      return new HttpSettings(host, port);
    }
    return new HttpSettings(host, port, Arrays.asList(raw.split(",", -1)));
  }

  public static HttpSettings defaults() {
    return new HttpSettings(DEFAULT_HOST, DEFAULT_PORT);
  }

  /** Loopback names on a loopback address, any name otherwise (other instances and proxies). */
  static List<String> defaultAllowedHosts(String host) {
    String h = host == null ? "" : host.trim().toLowerCase(Locale.ROOT);
    boolean loopback =
        h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]");
    return loopback ? LOOPBACK_NAMES : List.of(ANY_HOST);
  }

  /** Whether a request with this {@code Host} header (possibly with a port) is for us. */
  public boolean allowsHostHeader(String header) {
    if (allowedHosts.contains(ANY_HOST) || header == null) {
      // HTTP/1.0 clients send no Host; a browser always does, so rebinding cannot omit it.
      return true;
    }
    String name = header.trim().toLowerCase(Locale.ROOT);
    if (name.startsWith("[")) {
      int close = name.indexOf(']');
      name = close < 0 ? name : name.substring(0, close + 1);
    } else if (name.indexOf(':') >= 0) {
      name = name.substring(0, name.indexOf(':'));
    }
    return allowedHosts.contains(name);
  }
}
