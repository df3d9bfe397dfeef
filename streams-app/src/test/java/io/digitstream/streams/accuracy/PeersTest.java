package io.digitstream.streams.accuracy;

import static org.assertj.core.api.Assertions.assertThat;

import io.digitstream.streams.metrics.InstanceStats;
import io.digitstream.streams.web.FakeBackend;
import io.digitstream.streams.web.HttpSettings;
import io.digitstream.streams.web.WebServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;

class PeersTest {
  @Test
  void namesAHungInstanceAfterTheDeadlineAndKeepsTheOthersAnswers() throws Exception {
    FakeBackend backend = new FakeBackend();
    List<Socket> accepted = new CopyOnWriteArrayList<>();
    try (WebServer answering = WebServer.start(new HttpSettings("127.0.0.1", 0), backend);
        // Accepts connections and never answers, like an instance stuck in a long GC.
        ServerSocket hung = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    accepted.add(hung.accept());
                  }
                } catch (Exception closed) {
                  // The test is over.
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      HostInfo good = new HostInfo("127.0.0.1", answering.address().getPort());
      HostInfo stuck = new HostInfo("127.0.0.1", hung.getLocalPort());
      List<String> problems = new ArrayList<>();

      long start = System.nanoTime();
      List<InstanceStats> answers =
          new Peers()
              .getEach(
                  List.of(stuck, good, stuck),
                  "/internal/stats",
                  InstanceStats.class,
                  Duration.ofMillis(500),
                  problems);
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(answers).hasSize(1);
      assertThat(problems)
          .hasSize(2)
          .allSatisfy(p -> assertThat(p).contains(stuck.port() + " did not answer"));
      // One deadline for all, not the 5 s request timeout per instance.
      assertThat(took).isLessThan(Duration.ofSeconds(4));
    } finally {
      backend.metrics.close();
      for (Socket s : accepted) {
        s.close();
      }
    }
  }
}
