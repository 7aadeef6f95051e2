"""Sends N add tasks with Celery, waits for every result, prints {tasks, seconds, p50_ms, p99_ms} as JSON."""
import json
import sys
import time

from benchtasks import add
from celery.result import ResultSet


def run(count):
    sent = {}
    results = []
    for i in range(count):
        sent_at = time.perf_counter()
        result = add.delay(i, i)
        sent[result.id] = sent_at
        results.append(result)
    latencies = []

    def arrived(task_id, value):
        latencies.append((time.perf_counter() - sent[task_id]) * 1000.0)

    return ResultSet(results), latencies, arrived


if __name__ == '__main__':
    count, warmup = int(sys.argv[1]), int(sys.argv[2])
    rs, _, on_arrival = run(warmup)
    rs.join_native(timeout=300, callback=on_arrival)
    started = time.perf_counter()
    rs, latencies, on_arrival = run(count)
    rs.join_native(timeout=600, callback=on_arrival)
    seconds = time.perf_counter() - started
    latencies.sort()

    def pick(p):
        return latencies[min(len(latencies) - 1, max(0, int(p * len(latencies) + 0.999999) - 1))]

    print(json.dumps({'tasks': count, 'seconds': seconds, 'p50_ms': pick(0.5), 'p99_ms': pick(0.99)}))
