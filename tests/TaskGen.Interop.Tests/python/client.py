"""Python producers and monitors for the interop tests; each scenario prints one JSON line.

Runs on Debian's Celery 5.2.6 and on Celery 5.6.3, like pytasks; the scenarios about native delayed delivery
need 5.5+.
"""
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

import amqp
import celery
import kombu
from celery import chain
from celery.result import ResultSet

from pytasks import app, add, stamp

TIMEOUT = 30


def failure(call):
    try:
        call()
        return {'raised': None}
    except Exception as exc:  # the type Celery rebuilt from the failure result
        return {'raised': type(exc).__name__, 'message': str(exc)}


def call_dotnet():
    rect = 'CeleryApp.Tasks.Geometry.RectArea'
    return {
        'args': app.send_task(rect, args=[2, 2], queue='calc').get(timeout=TIMEOUT),
        'kwargs': app.send_task(rect, kwargs={'h': 3, 'w': 5}, queue='calc').get(timeout=TIMEOUT),
        'mixed': app.send_task('CeleryApp.Tasks.Arithmetics.Sub', args=[10], kwargs={'b': 4}).get(timeout=TIMEOUT),
        'failure': failure(lambda: app.send_task('TaskGen.IntegrationWorker.Jobs.Fail', args=['boom'], queue='work').get(timeout=TIMEOUT)),
        'unknown': failure(lambda: app.send_task('no.such.task', args=[1], queue='work').get(timeout=TIMEOUT)),
    }


def options():
    add_name = 'CeleryApp.Tasks.Arithmetics.Add'
    started = time.time()
    countdown = app.send_task(add_name, args=[1, 1], countdown=1.5).get(timeout=TIMEOUT)
    countdown_seconds = time.time() - started
    started = time.time()
    eta = app.send_task(add_name, args=[2, 2], eta=datetime.now(timezone.utc) + timedelta(seconds=1.5)).get(timeout=TIMEOUT)
    eta_seconds = time.time() - started
    expired = failure(lambda: app.send_task(add_name, args=[1, 1], expires=datetime.now(timezone.utc) - timedelta(seconds=30)).get(timeout=TIMEOUT))
    priority = app.send_task(add_name, args=[3, 4], priority=5).get(timeout=TIMEOUT)
    marker = os.path.join(tempfile.mkdtemp(), 'touched')
    ignored = app.send_task('TaskGen.IntegrationWorker.Jobs.Touch', args=[marker], queue='work', ignore_result=True)
    for _ in range(300):
        if os.path.exists(marker):
            break
        time.sleep(0.05)
    header = app.send_task('TaskGen.IntegrationWorker.Jobs.Header', args=['x-trace'], queue='work', headers={'x-trace': 'abc-123'}).get(timeout=TIMEOUT)
    return {
        'countdown': countdown, 'countdown_seconds': countdown_seconds,
        'eta': eta, 'eta_seconds': eta_seconds,
        'expired': expired, 'priority': priority,
        'ignored_ran': os.path.exists(marker), 'ignored_id': ignored.id,
        'header': header,
    }


def chains():
    py_then_dotnet = chain(add.s(2, 2), app.signature('CeleryApp.Tasks.Arithmetics.Add', args=(10,))).apply_async()
    dotnet_then_py = chain(app.signature('CeleryApp.Tasks.Arithmetics.Add', args=(2, 2)), add.s(100)).apply_async()
    linked = app.signature('CeleryApp.Tasks.Arithmetics.Sub', args=(10, 3)).apply_async(link=add.s(1000))
    failing = chain(app.signature('TaskGen.IntegrationWorker.Jobs.Fail', args=('boom',), queue='work'), add.s(1)).apply_async()
    return {
        'failed_chain': failure(lambda: failing.get(timeout=TIMEOUT)),
        'py_then_dotnet': py_then_dotnet.get(timeout=TIMEOUT),
        'dotnet_then_py': dotnet_then_py.get(timeout=TIMEOUT),
        'linked_parent': linked.get(timeout=TIMEOUT),
    }


def retry_dotnet(path):
    flaky = 'TaskGen.IntegrationWorker.Jobs.Flaky'
    return {
        'recovered': app.send_task(flaky, args=[path + '-recovered', 2], queue='work').get(timeout=TIMEOUT),
        'spent': failure(lambda: app.send_task(flaky, args=[path + '-spent', 100], queue='work').get(timeout=TIMEOUT)),
    }


def quorum_whoami(count):
    """Calls interop.whoami on the quorum queue 'qq', which Python and TaskGen workers both consume."""
    results = [app.send_task('interop.whoami', queue='qq') for _ in range(count)]
    return {'answers': sorted({r.get(timeout=TIMEOUT) for r in results})}


def redis_call_dotnet(path):
    """Calls TaskGen tasks with results in Redis, and reads one again by id alone, as another process would."""
    flaky = 'TaskGen.IntegrationWorker.Jobs.Flaky'
    added = app.send_task('TaskGen.IntegrationWorker.Jobs.Add', args=[20, 22], queue='work')
    value = added.get(timeout=TIMEOUT)
    return {
        'value': value,
        'by_id': app.AsyncResult(added.id).get(timeout=TIMEOUT),
        'state': app.AsyncResult(added.id).state,
        'failure': failure(lambda: app.send_task('TaskGen.IntegrationWorker.Jobs.Fail', args=['boom'], queue='work').get(timeout=TIMEOUT)),
        'retried': app.send_task(flaky, args=[path, 2], queue='work').get(timeout=TIMEOUT),
    }


def redis_read(ids):
    """Reads results by id that TaskGen stored, without having sent their tasks."""
    # One ResultSet rather than AsyncResult(id).get() one by one: Celery 5.6's redis result consumer, once subscribed,
    # only subscribes to a later id's channel, so a result stored before that get() is never read and it waits
    # forever, whoever stored it (Celery 5.2 reads the key first). A ResultSet reads every key, then waits for the rest.
    return {'values': ResultSet([app.AsyncResult(i) for i in ids]).get(timeout=TIMEOUT)}


def versions():
    """The releases this interpreter imported, so a test can tell which Celery it ran."""
    return {'celery': celery.__version__, 'kombu': kombu.__version__, 'amqp': amqp.__version__}


def send_countdown(seconds):
    """Sends delayed.stamp with a countdown and returns at once: its id and when it was sent."""
    sent = time.time()
    return {'id': stamp.apply_async(countdown=seconds).id, 'sent': sent}


def declare_levels():
    """Declares the delay levels exactly as a Celery 5.5+ worker with quorum queues does at start."""
    # kombu 5.5 added the module; imported here so that the other scenarios run on 5.2.
    from kombu.transport.native_delayed_delivery import declare_native_delayed_delivery_exchanges_and_queues

    with app.connection_for_write() as connection:
        declare_native_delayed_delivery_exchanges_and_queues(connection, 'quorum')
    return {'declared': True}


def events(seconds, prefix):
    seen = []
    deadline = time.time() + seconds
    with app.connection() as conn:
        receiver = app.events.Receiver(conn, handlers={})

        def on_event(event):
            if event.get('hostname', '').startswith(prefix):
                if all(e['type'] != event['type'] for e in seen):
                    # Said as it happens, so the test can stop the worker once what it waits for has been seen.
                    print('seen ' + event['type'], flush=True)
                seen.append(event)
            if time.time() > deadline:
                receiver.should_stop = True

        receiver.handlers = {'*': on_event}

        # One capture for the whole window: its queue is auto-delete, so a capture ended by a quiet second would delete
        # it, and an event sent before the next capture declared it again (worker-online, say) would be lost. The mixin
        # calls on_iteration at least every second, events or not, which ends the capture at the deadline.
        def on_iteration():
            if time.time() > deadline:
                receiver.should_stop = True

        receiver.on_iteration = on_iteration
        try:
            receiver.capture(limit=None, timeout=None, wakeup=False)
        except Exception:
            pass
    heartbeat = next((e for e in seen if e['type'] == 'worker-heartbeat'), {})
    return {
        'types': sorted({e['type'] for e in seen}),
        'heartbeat': {k: heartbeat.get(k) for k in ('freq', 'sw_ident', 'hostname', 'utcoffset', 'pid')},
        'succeeded': [e.get('result') for e in seen if e['type'] == 'task-succeeded'],
        'sent': [{k: e.get(k) for k in ('uuid', 'name', 'group', 'group_index', 'root_id', 'queue', 'routing_key', 'args', 'retries')}
                 for e in seen if e['type'] == 'task-sent'],
    }


if __name__ == '__main__':
    scenario = sys.argv[1]
    if scenario == 'events':
        result = events(float(sys.argv[2]), sys.argv[3])
    elif scenario == 'quorum_whoami':
        result = quorum_whoami(int(sys.argv[2]))
    elif scenario == 'retry_dotnet':
        result = retry_dotnet(sys.argv[2])
    elif scenario == 'redis_call_dotnet':
        result = redis_call_dotnet(sys.argv[2])
    elif scenario == 'redis_read':
        result = redis_read(sys.argv[2:])
    elif scenario == 'send_countdown':
        result = send_countdown(int(sys.argv[2]))
    else:
        result = {'call_dotnet': call_dotnet, 'options': options, 'chains': chains, 'versions': versions, 'declare_levels': declare_levels}[scenario]()
    print(json.dumps(result))
