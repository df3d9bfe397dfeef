package io.digitstream.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDirectoriesTest {
  @TempDir Path root;
  Path allowed;
  Path outside;
  ModelDirectories dirs;

  @BeforeEach
  void setUp() throws Exception {
    allowed = Files.createDirectories(root.resolve("models"));
    outside = Files.createDirectories(root.resolve("elsewhere/bundle"));
    Files.createDirectories(allowed.resolve("v2"));
    dirs = ModelDirectories.of(List.of(allowed));
  }

  @Test
  void admitsABundleUnderAConfiguredDirectoryByPathOrUri() throws Exception {
    Path v2 = allowed.resolve("v2");
    assertThat(dirs.resolve(v2.toString())).isEqualTo(v2.toRealPath());
    assertThat(dirs.resolve(v2.toUri().toString())).isEqualTo(v2.toRealPath());
  }

  @Test
  void givesTheSameAnswerForExistingAndMissingPathsOutside() {
    String existing = message(outside.toString());
    String missing = message(root.resolve("elsewhere/nothing").toString());

    assertThat(existing).isEqualTo(ModelDirectories.OUTSIDE).isEqualTo(missing);
  }

  @Test
  void refusesDotDotRelativeAndUnparsableLocations() {
    assertThat(message(allowed + "/../elsewhere/bundle")).contains("'..'");
    assertThat(message(allowed + "/./v2")).contains("'..'");
    assertThat(message("models/v2")).contains("not an absolute path");
    assertThat(message("file:relative")).startsWith("refused:");
    // Only a directory whose name starts with that of an allowed one.
    assertThat(message(root.resolve("models-evil").toString())).isEqualTo(ModelDirectories.OUTSIDE);
  }

  @Test
  void refusesALinkThatLeadsOutOfTheDirectories() throws Exception {
    Path link = Files.createSymbolicLink(allowed.resolve("escape"), outside);

    assertThat(message(link.toString())).startsWith(ModelDirectories.OUTSIDE);
  }

  @Test
  void followsALinkThatStaysInside() throws Exception {
    Path link = Files.createSymbolicLink(allowed.resolve("current"), allowed.resolve("v2"));

    assertThat(dirs.resolve(link.toString())).isEqualTo(allowed.resolve("v2").toRealPath());
  }

  private String message(String location) {
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> dirs.resolve(location));
    assertThat(thrown).isInstanceOf(ModelBundleException.class);
    return thrown.getMessage();
  }
}
