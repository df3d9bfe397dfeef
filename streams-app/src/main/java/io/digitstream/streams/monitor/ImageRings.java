package io.digitstream.streams.monitor;

import io.digitstream.record.Prediction;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.processor.TaskId;

/**
 * The images behind the page's numbers, per task and in memory only: (a) the most recent
 * misclassified images, (b) the least confident images whose label has not come, (c) the
 * out-of-distribution images whose label has not come. Each ring holds at most {@link
 * ImageRingSettings#perRing()} images per task; each task also remembers the pixels of its last
 * {@link ImageRingSettings#recentPerTask()} scored images, so that a label arriving later can show
 * what was misread. An image forgotten there leaves (b) and (c) too: its label is not coming soon.
 *
 * <p>Memory per task, at most: {@code recentPerTask × (784 B of pixels + the id + ~100 B of map
 * entry)}, about 0.9 KiB per image with ids of 20 characters (18 MiB at the default 20,000), plus
 * {@code 3 × perRing} ring entries of about 1 KiB. Nothing here is transactional or survives a
 * restart: it is for people looking at the page, never for a count.
 *
 * <p>Writers are the stream threads, each calling for its own task: {@link #scored} for every
 * prediction (before it is forwarded to the label join, so that a pair made at once finds its
 * pixels), {@link #paired} for every pair, {@link #taskClosed} when the task leaves the thread.
 * Both calls for an image must come from the same task, which holds because the join takes the
 * predictions straight from the scorer. Readers (the HTTP threads) may call {@link #local} at any
 * time.
 */
public final class ImageRings {
  private static final Comparator<PageImage> NEWEST_FIRST =
      Comparator.comparingLong(PageImage::imageTimestamp)
          .reversed()
          .thenComparing(PageImage::id)
          .thenComparing(PageImage::modelVersion);
  private static final Comparator<PageImage> LEAST_CONFIDENT_FIRST =
      Comparator.comparingDouble(PageImage::probability).thenComparing(NEWEST_FIRST);

  private final ImageRingSettings settings;
  private final Map<TaskId, TaskRings> tasks = new ConcurrentHashMap<>();

  public ImageRings(ImageRingSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  public ImageRingSettings settings() {
    return settings;
  }

  /**
   * A prediction was made: remembers the pixels (the array is kept, not copied: pass one nobody
   * changes) and offers the image to the least-confident and out-of-distribution rings.
   */
  public void scored(TaskId task, String id, byte[] pixels, Prediction prediction) {
    tasks.computeIfAbsent(task, t -> new TaskRings(settings)).scored(id, pixels, prediction);
  }

  /**
   * A prediction met its label: its image leaves the rings of images waiting for labels, and enters
   * the misclassified ring if {@code truth} is not the predicted digit.
   */
  public void paired(TaskId task, String id, int truth, Prediction prediction) {
    tasks.computeIfAbsent(task, t -> new TaskRings(settings)).paired(id, truth, prediction);
  }

  /** The task moved away or stopped: what it held is forgotten here. */
  public void taskClosed(TaskId task) {
    tasks.remove(task);
  }

  /** Tasks with rings here; for tests and the memory bound. */
  int tasks() {
    return tasks.size();
  }

  /** The ring of {@code kind} of one task, newest first; empty if the task has none. */
  List<PageImage> ring(TaskId task, ImageKind kind) {
    TaskRings rings = tasks.get(task);
    return rings == null ? List.of() : select(kind, rings.snapshot(kind), Integer.MAX_VALUE);
  }

  /** Pixels the task still remembers; for tests and the memory bound. */
  int remembered(TaskId task) {
    TaskRings rings = tasks.get(task);
    return rings == null ? 0 : rings.remembered();
  }

  /** At most {@code limit} images of {@code kind} over this instance's tasks, newest first. */
  public List<PageImage> local(ImageKind kind, int limit) {
    List<PageImage> all = new ArrayList<>();
    for (TaskRings rings : tasks.values()) {
      all.addAll(rings.snapshot(kind));
    }
    return select(kind, all, limit);
  }

  /**
   * Chooses {@code limit} of {@code images} (from several tasks or instances) as a ring of {@code
   * kind} would: the newest, or for {@link ImageKind#UNCONFIDENT} the least confident; each image
   * and version once (an image may be on two instances for a moment during a rebalance); newest
   * first.
   */
  public static List<PageImage> select(ImageKind kind, Collection<PageImage> images, int limit) {
    List<PageImage> sorted = new ArrayList<>(images);
    sorted.sort(kind == ImageKind.UNCONFIDENT ? LEAST_CONFIDENT_FIRST : NEWEST_FIRST);
    Set<String> seen = new HashSet<>();
    List<PageImage> chosen = new ArrayList<>();
    for (PageImage image : sorted) {
      if (chosen.size() >= limit) {
        break;
      }
      if (seen.add(image.modelVersion() + '|' + image.id())) {
        chosen.add(image);
      }
    }
    chosen.sort(NEWEST_FIRST);
    return chosen;
  }

  /** One image in a ring; the pixels are shared with the task's cache. */
  private record Entry(String id, byte[] pixels, Prediction prediction, Integer truth) {
    boolean sameImage(String otherId, String version) {
      return id.equals(otherId) && prediction.modelVersion().equals(version);
    }

    PageImage page() {
      return new PageImage(
          id,
          prediction.modelVersion(),
          pixels == null ? null : Base64.getEncoder().encodeToString(pixels),
          prediction.digit(),
          prediction.confidence(),
          truth,
          prediction.imageTimestamp(),
          prediction.oodScore(),
          prediction.outOfDistribution());
    }
  }

  /** One task's rings; every method holds the lock, which only its stream thread contends for. */
  private static final class TaskRings {
    private final int perRing;
    private final ArrayDeque<Entry> misclassified = new ArrayDeque<>();
    // Sorted by confidence, lowest first; the most confident is dropped when a lower one comes.
    private final List<Entry> unconfident = new ArrayList<>();
    private final ArrayDeque<Entry> outOfDistribution = new ArrayDeque<>();
    private final LinkedHashMap<String, byte[]> recent;

    TaskRings(ImageRingSettings settings) {
      this.perRing = settings.perRing();
      int capacity = settings.recentPerTask();
      this.recent =
          new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
              if (size() <= capacity) {
                return false;
              }
              // Too old to wait for its label on the page.
              forgetWaiting(eldest.getKey());
              return true;
            }
          };
    }

    synchronized void scored(String id, byte[] pixels, Prediction p) {
      recent.put(id, pixels);
      // Scored again (a retry after a crash): the newer prediction replaces the older.
      unconfident.removeIf(e -> e.sameImage(id, p.modelVersion()));
      outOfDistribution.removeIf(e -> e.sameImage(id, p.modelVersion()));
      Entry entry = new Entry(id, pixels, p, null);
      double confidence = p.confidence();
      if (unconfident.size() < perRing
          || confidence < unconfident.get(unconfident.size() - 1).prediction().confidence()) {
        int at = 0;
        while (at < unconfident.size()
            && unconfident.get(at).prediction().confidence() <= confidence) {
          at++;
        }
        unconfident.add(at, entry);
        if (unconfident.size() > perRing) {
          unconfident.remove(unconfident.size() - 1);
        }
      }
      if (Boolean.TRUE.equals(p.outOfDistribution())) {
        outOfDistribution.addLast(entry);
        if (outOfDistribution.size() > perRing) {
          outOfDistribution.removeFirst();
        }
      }
    }

    synchronized void paired(String id, int truth, Prediction p) {
      // The label came: no longer waiting, whichever version it was waiting for.
      forgetWaiting(id);
      if (truth == p.digit()) {
        return;
      }
      misclassified.removeIf(e -> e.sameImage(id, p.modelVersion()));
      misclassified.addLast(new Entry(id, recent.get(id), p, truth));
      if (misclassified.size() > perRing) {
        misclassified.removeFirst();
      }
    }

    private void forgetWaiting(String id) {
      unconfident.removeIf(e -> e.id().equals(id));
      outOfDistribution.removeIf(e -> e.id().equals(id));
    }

    synchronized List<PageImage> snapshot(ImageKind kind) {
      Collection<Entry> ring =
          switch (kind) {
            case MISCLASSIFIED -> misclassified;
            case UNCONFIDENT -> unconfident;
            case OOD -> outOfDistribution;
          };
      List<PageImage> out = new ArrayList<>(ring.size());
      for (Entry e : ring) {
        out.add(e.page());
      }
      return out;
    }

    synchronized int remembered() {
      return recent.size();
    }
  }
}
