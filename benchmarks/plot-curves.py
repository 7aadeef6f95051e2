"""Draws the end-to-end harness's scale curves, one PNG per curve, from the JSON figures it wrote.

Usage (Debian's python3 with python3-matplotlib):
    /usr/bin/python3 benchmarks/plot-curves.py end-to-end.json benchmarks/curves
"""

import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)


def save(fig, ax, directory, name, title, xlabel, ylabel, date):
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend()
    fig.text(0.99, 0.01, f"TaskGen end-to-end harness, {date}, 2 cores", ha="right", va="bottom", fontsize=7, color="gray")
    fig.tight_layout()
    path = os.path.join(directory, name)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(path)


def curve(points, key):
    return [p["count"] for p in points], [p[key] for p in points]


def main(report_path, directory):
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    scale = report.get("scale") or {}
    date = report["date"][:10]
    os.makedirs(directory, exist_ok=True)

    for kind, xlabel, log in (("queues", "queues consumed by one worker process", True), ("workers", "worker processes on one queue", False)):
        points = scale.get(kind)
        if not points:
            continue
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(*curve(points, "tasksPerSecond"), marker="o", label="round trips/s")
        if log:
            ax.set_xscale("log")
        ax.set_ylim(bottom=0)
        save(fig, ax, directory, f"scale-{kind}-throughput.png", f"Throughput vs {kind}", xlabel, "round trips per second", date)

        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(*curve(points, "idleRssMegabytes"), marker="o", label="RSS, idle")
        ax.plot(*curve(points, "loadedRssMegabytes"), marker="o", label="RSS, after the tasks")
        ax.plot(*curve(points, "loadedPssMegabytes"), marker="o", label="PSS, after the tasks")
        if log:
            ax.set_xscale("log")
        ax.set_ylim(bottom=0)
        save(fig, ax, directory, f"scale-{kind}-memory.png", f"Worker memory vs {kind}" + (" (summed over workers)" if kind == "workers" else ""), xlabel, "MB", date)

        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(*curve(points, "readyMilliseconds"), marker="o", label="start to ready")
        if log:
            ax.set_xscale("log")
        ax.set_ylim(bottom=0)
        save(fig, ax, directory, f"scale-{kind}-ready.png", f"Start to ready vs {kind}", xlabel, "ms" + (" (slowest worker)" if kind == "workers" else ""), date)

    pending = scale.get("pending")
    if pending:
        counts = [p["pending"] for p in pending]
        fig, ax = plt.subplots(figsize=(6, 4))
        for key, label in (("heldHeapBytes", "managed heap, results held"), ("awaitedHeapBytes", "managed heap, results awaited"), ("awaitedRssBytes", "RSS, results awaited")):
            ax.plot(counts, [p[key] / 2**20 for p in pending], marker="o", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        save(fig, ax, directory, "pending-memory.png", "Producer memory vs pending results", "pending results", "MiB above the producer's baseline", date)

        fig, ax = plt.subplots(figsize=(6, 4))
        for key, label in (("heldHeapBytes", "managed heap, results held"), ("awaitedHeapBytes", "managed heap, results awaited"), ("awaitedRssBytes", "RSS, results awaited")):
            ax.plot(counts, [p[key] / p["pending"] for p in pending], marker="o", label=label)
        ax.set_xscale("log")
        ax.set_ylim(bottom=0)
        save(fig, ax, directory, "pending-bytes-per-result.png", "Producer bytes per pending result", "pending results", "bytes per pending result", date)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
