"""Canvas scenarios a Python producer runs against TaskGen workers; prints one JSON line with what it saw.

Usage: canvas.py SCENARIO (the queues and backend come from the environment, as canvasapp.py reads them).
"""
import json
import sys
import time

import celery
from celery import chain, chord, group, signature

from canvasapp import app

TIMEOUT = 15


def tg(name, *args):
    return signature(f'canvas.{name}', args=args, app=app)


def py(name, *args):
    return signature(f'pycanvas.{name}', args=args, app=app)


def tg_header():
    return chord([tg('square', i) for i in (1, 2, 3, 4)], py('total')).apply_async().get(timeout=TIMEOUT)


def mixed_header():
    header = [tg('square', 1), py('square', 2), tg('square', 3), py('square', 4), tg('square', 5)]
    return chord(header, py('join')).apply_async().get(timeout=TIMEOUT)


def chain_group_chord():
    # Celery makes this chord(group, body=chord(...)): the group's results go to each part of the second header.
    flow = chain(group(tg('add', 1, 1), tg('add', 2, 2)), chord([tg('total'), tg('total')], py('join')))
    return flow.apply_async().get(timeout=TIMEOUT)


def nested_groups():
    header = [tg('square', 1), group(tg('square', 2), group(tg('square', 3), tg('square', 4)))]
    return chord(header, py('shape')).apply_async().get(timeout=TIMEOUT)


def failing_part():
    result = chord([tg('square', 2), tg('boom', 'bad input')], py('total')).apply_async()
    # get() would raise the failed header part's own error first (Celery checks a result's parents); the body's is wanted.
    deadline = time.monotonic() + TIMEOUT
    while not result.ready():
        if time.monotonic() > deadline:
            raise TimeoutError('the chord body never finished')
        time.sleep(0.1)
    exc = result.result
    return {'raised': type(exc).__name__, 'message': str(exc), 'state': result.state}


SCENARIOS = {
    'tg_header': tg_header,
    'mixed_header': mixed_header,
    'chain_group_chord': chain_group_chord,
    'nested_groups': nested_groups,
    'failing_part': failing_part,
}

if __name__ == '__main__':
    value = SCENARIOS[sys.argv[1]]()
    print(json.dumps({'celery': celery.__version__, 'value': value}))
