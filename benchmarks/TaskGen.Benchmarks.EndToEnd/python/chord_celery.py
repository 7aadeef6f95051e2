"""Sends one chord of N square parts and a total body with Celery, waits for the body, prints {parts, seconds} as JSON."""
import json
import sys
import time

from celery import chord

from chordtasks import square, total

if __name__ == '__main__':
    parts = int(sys.argv[1])
    started = time.perf_counter()
    result = chord(square.s(i) for i in range(parts))(total.s())
    value = result.get(timeout=1800)
    seconds = time.perf_counter() - started
    expected = sum(i * i for i in range(parts))
    if value != expected:
        raise SystemExit(f'expected {expected}, got {value}')
    print(json.dumps({'parts': parts, 'seconds': seconds}))
