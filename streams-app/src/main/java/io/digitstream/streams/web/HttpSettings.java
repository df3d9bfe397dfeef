package io.digitstream.streams.web;

import io.digitstream.config.ConfigException;

/**
 * Where the REST server and the accuracy page listen.
 *
 * @param host the address to bind; {@code 127.0.0.1} unless configured, so nothing is exposed to
 *     the network by accident
 * @param port the port; 0 picks a free one (the bound port is reported by the service)
 */
public record HttpSettings(String host, int port) {
  public static final String HOST = "digitstream.http.host";
  public static final String PORT = "digitstream.http.port";
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;

  public HttpSettings {
    if (host == null || host.isBlank()) {
      throw ConfigException.invalid(HOST, host, "an address to bind, e.g. 127.0.0.1 or 0.0.0.0");
    }
    if (port < 0 || port > 65_535) {
      throw ConfigException.invalid(PORT, port, "a port between 0 and 65535 (0 = any free port)");
    }
  }

  public static HttpSettings defaults() {
    return new HttpSettings(DEFAULT_HOST, DEFAULT_PORT);
  }
}
