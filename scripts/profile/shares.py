"""Shares of an async-profiler collapsed-stack file: shares.py FILE.

Prints the share of samples whose stack contains each marker (a sample may count under several),
then the 15 busiest innermost frames.
"""
import collections
import sys

MARKERS = [
    ("model (FoldedNetwork)", "FoldedNetwork"),
    ("label join", "LabelJoin"),
    ("RocksDB", "RocksDB"),
    ("producer network thread", "Sender.run"),
    ("record collector send", "RecordCollectorImpl.send"),
    ("Jackson", "jackson"),
    ("serialisers", "Serializer.serialize"),
    ("deserialisers", "Deserializer.deserialize"),
    ("punctuations", "punctuate"),
    ("commits", "commit"),
    ("JIT compilers", "CompileBroker"),
    ("GC", "G1"),
]

total = 0
by_marker = collections.Counter()
innermost = collections.Counter()
for line in open(sys.argv[1]):
    stack, count = line.rstrip().rsplit(" ", 1)
    count = int(count)
    total += count
    for label, marker in MARKERS:
        if marker in stack:
            by_marker[label] += count
    innermost[stack.split(";")[-1][:100]] += count
print(f"{total} samples")
for label, _ in MARKERS:
    print(f"{100 * by_marker[label] / total:6.1f} % {label}")
print("innermost frames:")
for frame, count in innermost.most_common(15):
    print(f"{100 * count / total:6.1f} % {frame}")
