package io.digitstream.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class BoundedRocksDbMemoryTest {
  static {
    RocksDB.loadLibrary();
  }

  @Test
  void everyStoreSharesOneCacheAndOneWriteBufferManager() {
    BoundedRocksDbMemory setter = new BoundedRocksDbMemory();
    try (Options first = new Options();
        Options second = new Options()) {
      first.setTableFormatConfig(new BlockBasedTableConfig());
      second.setTableFormatConfig(new BlockBasedTableConfig());

      Map<String, Object> configs = Map.of(BoundedRocksDbMemory.BUDGET_CONFIG, 64L << 20);
      setter.setConfig("label-join-rounds", first, configs);
      setter.setConfig("label-join-deadlines", second, configs);

      BoundedRocksDbMemory.Shared shared = BoundedRocksDbMemory.shared(64L << 20);
      assertThat(first.writeBufferManager()).isSameAs(shared.writeBuffers());
      assertThat(second.writeBufferManager()).isSameAs(shared.writeBuffers());
      assertThat(first.maxWriteBufferNumber()).isEqualTo(2);
      BlockBasedTableConfig table = (BlockBasedTableConfig) first.tableFormatConfig();
      assertThat(table.cacheIndexAndFilterBlocks()).isTrue();
      assertThat(table.pinTopLevelIndexAndFilter()).isTrue();
      setter.close("label-join-rounds", first);
      assertThat(shared.cache().isOwningHandle()).isTrue();
    }
  }

  @Test
  void isTheDefaultAndTakesItsBudgetFromTheSettings() {
    StreamsSettings defaults = StreamsSettings.load(null, Map.of(), Map.of());
    assertThat(defaults.kafka().getProperty("rocksdb.config.setter"))
        .isEqualTo(BoundedRocksDbMemory.class.getName());
    assertThat(defaults.rocksDbMemoryMb()).isEqualTo(128);

    StreamsSettings small =
        StreamsSettings.load(null, Map.of(), Map.of(StreamsSettings.ROCKSDB_MEMORY_MB, "32"));
    assertThat(small.rocksDbMemoryMb()).isEqualTo(32);
  }
}
