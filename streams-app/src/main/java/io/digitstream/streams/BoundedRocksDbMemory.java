package io.digitstream.streams;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Puts every RocksDB store of the application under one memory budget ({@value
 * StreamsSettings#ROCKSDB_MEMORY_MB}): one block cache shared by all stores, holding their index
 * and filter blocks too, with the memtables charged to it. Kafka Streams' defaults give each store
 * instance its own 50 MB cache and three 16 MB memtables, so off-heap memory grows with the number
 * of tasks and, as the label join's stores are read, towards several hundred MB.
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {
  // Half of the budget for memtables, the rest for blocks; a store's memtable is 8 MB, and the
  // write-buffer manager flushes early when the stores together reach their half. Smaller
  // memtables meant more frequent flushes, each a burst of CPU beside the stream threads.
  private static final long MEMTABLE_BYTES = 8L << 20;
  private static final double HIGH_PRIORITY_SHARE = 0.1;

  /**
   * Key of the budget in bytes (a {@code Long}) in the Kafka Streams properties, which Kafka
   * Streams hands to {@link #setConfig}; set from {@value StreamsSettings#ROCKSDB_MEMORY_MB}.
   */
  public static final String BUDGET_CONFIG = "digitstream.internal.rocksdb.memory.bytes";

  private static final long DEFAULT_BUDGET = 128L << 20;
  private static Shared shared;

  /**
   * The cache and write-buffer manager all stores of this JVM share, sized by the budget the first
   * store brings.
   */
  static synchronized Shared shared(long budget) {
    if (shared == null) {
      Cache cache = new LRUCache(budget, -1, false, HIGH_PRIORITY_SHARE);
      shared = new Shared(budget, cache, new WriteBufferManager(budget / 2, cache));
    }
    return shared;
  }

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    Shared memory =
        shared(
            configs.get(BUDGET_CONFIG) instanceof Long budget && budget > 0
                ? budget
                : DEFAULT_BUDGET);
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(memory.cache());
    table.setCacheIndexAndFilterBlocks(true);
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    options.setTableFormatConfig(table);
    options.setWriteBufferManager(memory.writeBuffers());
    options.setWriteBufferSize(MEMTABLE_BYTES);
    options.setMaxWriteBufferNumber(2);
  }

  @Override
  public void close(String storeName, Options options) {
    // The cache and the manager are shared by every store of the JVM: never closed per store.
  }

  record Shared(long budget, Cache cache, WriteBufferManager writeBuffers) {}
}
