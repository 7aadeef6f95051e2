"""Celery 5.6 producers for the interop tests; each scenario prints one JSON line."""
import json
import sys
import time

from kombu.transport.native_delayed_delivery import declare_native_delayed_delivery_exchanges_and_queues

from pytasks56 import app, stamp

TIMEOUT = 60


def countdown(seconds):
    """Sends py56.stamp with a countdown and waits for it: how long after the send it ran."""
    sent = time.time()
    ran = stamp.apply_async(countdown=seconds).get(timeout=TIMEOUT)
    return {'waited': ran - sent}


def declare_levels():
    """Declares the delay levels exactly as a Celery 5.6 worker with quorum queues does at start."""
    with app.connection_for_write() as connection:
        declare_native_delayed_delivery_exchanges_and_queues(connection, 'quorum')
    return {'declared': True}


if __name__ == '__main__':
    scenario = sys.argv[1]
    if scenario == 'countdown':
        result = countdown(int(sys.argv[2]))
    else:
        result = {'declare_levels': declare_levels}[scenario]()
    print(json.dumps(result))
