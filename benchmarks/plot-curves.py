"""Draws the end-to-end harness's scale curves, one PNG per curve, from the JSON figures it wrote.

Usage (Debian's python3 with python3-matplotlib):
    /usr/bin/python3 benchmarks/plot-curves.py end-to-end.json [more.json ...] benchmarks/curves

With several files, each run is drawn beside the others (solid, dashed, dotted).
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
        ax.legend(fontsize=7)
    fig.text(0.99, 0.01, f"TaskGen end-to-end harness, {date}, 2 cores", ha="right", va="bottom", fontsize=7, color="gray")
    fig.tight_layout()
    path = os.path.join(directory, name)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(path)


def curve(points, key):
    return [p["count"] for p in points], [p[key] for p in points]


STYLES = ["-", "--", ":", "-."]


def main(report_paths, directory):
    runs = []
    for number, path in enumerate(report_paths, 1):
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
        runs.append((f"run {number} (ended {report['date'][11:16]} UTC)", report.get("scale") or {}))
    date = report["date"][:10]
    os.makedirs(directory, exist_ok=True)

    def series(kind):
        return [(label, style, scale[kind]) for (label, scale), style in zip(runs, STYLES) if scale.get(kind)]

    for kind, xlabel, log in (("queues", "queues consumed by one worker process", True), ("workers", "worker processes on one queue", False)):
        taken = series(kind)
        if not taken:
            continue
        charts = (
            ("throughput", f"Throughput vs {kind}", "round trips per second", (("tasksPerSecond", "round trips/s"),)),
            ("memory", f"Worker memory vs {kind}" + (" (summed over workers)" if kind == "workers" else ""), "MB",
             (("idleRssMegabytes", "RSS, idle"), ("loadedRssMegabytes", "RSS, after the tasks"), ("loadedPssMegabytes", "PSS, after the tasks"))),
            ("ready", f"Start to ready vs {kind}", "ms" + (" (slowest worker)" if kind == "workers" else ""), (("readyMilliseconds", "start to ready"),)),
        )
        for name, title, ylabel, keys in charts:
            fig, ax = plt.subplots(figsize=(7, 4.5))
            for label, style, points in taken:
                for (key, what), color in zip(keys, ("C0", "C1", "C2")):
                    ax.plot(*curve(points, key), marker="o", linestyle=style, color=color, label=f"{what}, {label}")
            if log:
                ax.set_xscale("log")
            ax.set_ylim(bottom=0)
            save(fig, ax, directory, f"scale-{kind}-{name}.png", title, xlabel, ylabel, date)

    taken = series("pending")
    if taken:
        keys = (("heldHeapBytes", "managed heap, results held"), ("awaitedHeapBytes", "managed heap, results awaited"), ("awaitedRssBytes", "RSS, results awaited"))
        for name, title, ylabel, scale_of in (
            ("pending-memory.png", "Producer memory vs pending results", "MiB above the producer's baseline", lambda p, key: p[key] / 2**20),
            ("pending-bytes-per-result.png", "Producer bytes per pending result", "bytes per pending result", lambda p, key: p[key] / p["pending"]),
        ):
            fig, ax = plt.subplots(figsize=(7, 4.5))
            for label, style, pending in taken:
                for (key, what), color in zip(keys, ("C0", "C1", "C2")):
                    ax.plot([p["pending"] for p in pending], [scale_of(p, key) for p in pending], marker="o", linestyle=style, color=color, label=f"{what}, {label}")
            ax.set_xscale("log")
            if name == "pending-memory.png":
                ax.set_yscale("log")
            else:
                ax.set_ylim(bottom=0)
            save(fig, ax, directory, name, title, "pending results", ylabel, date)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1:-1], sys.argv[-1])
