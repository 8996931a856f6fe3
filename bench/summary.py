"""Prints Google Benchmark JSON results as one Markdown table (for BENCHMARKS.md).

Usage: summary.py RESULT.json...
"""

import json
import sys


def rows(path):
    with open(path) as f:
        doc = json.load(f)
    for b in doc["benchmarks"]:
        if b.get("error_occurred"):
            yield doc["context"], b["name"], f"error: {b.get('error_message', '')}", "", "", "", ""
            continue
        unit = b.get("time_unit", "ns")
        yield (
            doc["context"],
            b["name"].replace("/process_time", "").replace("/real_time", ""),
            f"{b['real_time']:.1f} {unit}",
            f"{b['cpu_time']:.1f} {unit}",
            f"{b.get('bytes_per_second', 0) / 1e6:.1f}",
            f"{b.get('items_per_second', 0):.0f}",
            f"{b['per_commit']:.1f}" if "per_commit" in b else "",
        )


def main(paths):
    table = [row for p in paths for row in rows(p)]
    if not table:
        sys.exit("no benchmark results")
    ctx = table[0][0]
    print(
        f"{ctx.get('date', '')}, {ctx.get('num_cpus', '?')} CPUs at "
        f"{ctx.get('mhz_per_cpu', '?')} MHz, load average "
        + ", ".join(f"{x:.1f}" for x in ctx.get("load_avg", []))
    )
    print()
    # Rates are over CPU time for single-threaded benchmarks and over wall
    # time for those marked real_time (Google Benchmark's own convention).
    print("| benchmark | wall time / iteration | CPU time / iteration | MB/s | messages/s "
          "| deliveries per commit |")
    print("|---|---:|---:|---:|---:|---:|")
    for _, name, real, cpu, mbs, items, per_commit in table:
        print(f"| {name} | {real} | {cpu} | {mbs} | {items} | {per_commit} |")


if __name__ == "__main__":
    main(sys.argv[1:])
