"""Celery 5.6 producers for the interop tests; each scenario prints one JSON line."""
import json
import sys
import time

from kombu.transport.native_delayed_delivery import declare_native_delayed_delivery_exchanges_and_queues

from pytasks56 import app, stamp


def send_countdown(seconds):
    """Sends py56.stamp with a countdown and returns at once: its id and when it was sent."""
    sent = time.time()
    return {'id': stamp.apply_async(countdown=seconds).id, 'sent': sent}


def declare_levels():
    """Declares the delay levels exactly as a Celery 5.6 worker with quorum queues does at start."""
    with app.connection_for_write() as connection:
        declare_native_delayed_delivery_exchanges_and_queues(connection, 'quorum')
    return {'declared': True}


if __name__ == '__main__':
    scenario = sys.argv[1]
    if scenario == 'send_countdown':
        result = send_countdown(int(sys.argv[2]))
    else:
        result = {'declare_levels': declare_levels}[scenario]()
    print(json.dumps(result))
