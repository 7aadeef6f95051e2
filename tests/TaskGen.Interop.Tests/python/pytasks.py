"""The Python side of the interop tests: a Celery app on the broker named by BROKER_URL.

The same app runs on Debian's Celery 5.2.6 and on Celery 5.6.3 from its sources (PYTHONPATH), whichever the
interpreter imports. Results go by rpc:// unless RESULT_BACKEND names another backend (redis://...), as the
redis:// tests do.
"""
import os
import time

import celery
from celery import Celery
from kombu import Exchange, Queue
from kombu.common import Broadcast

app = Celery('pytasks', broker=os.environ['BROKER_URL'], backend=os.environ.get('RESULT_BACKEND') or 'rpc://')
app.conf.accept_content = ['json']
app.conf.task_serializer = 'json'
app.conf.result_serializer = 'json'
# Celery 5.3+ warns at start-up without it; 5.2 ignores a setting it does not know.
app.conf.broker_connection_retry_on_startup = True
app.conf.task_routes = {'tasks.*': {'queue': 'py'}, 'delayed.*': {'queue': 'pydelayed'}}

QUEUES = [
    Queue('py'),
    Queue('mixed'),
    Broadcast('interop_fleet'),
    # Declared as Celery 5.5's task_default_queue_type = 'quorum' declares its queues.
    Queue('qq', queue_arguments={'x-queue-type': 'quorum'}),
    # A topic exchange, as Celery's quorum-queue guide asks: a 5.5+ producer keeps a countdown for a queue on a
    # direct exchange out of the delay levels, and its worker binds only non-direct exchanges to
    # celery_delayed_delivery.
    Queue('pydelayed', Exchange('pydelayed', type='topic'), routing_key='pydelayed', queue_arguments={'x-queue-type': 'quorum'}),
]

# A worker knows only the queues it consumes (PYTASKS_QUEUES, its -Q), as a deployment would configure it: a 5.5+
# worker that knows any quorum queue sets up native delayed delivery and binds every queue it knows to it, which
# the tests of other features should not depend on.
consumed = os.environ.get('PYTASKS_QUEUES')
# A Broadcast queue's name is bcast.<uuid>; -Q names it by its alias.
app.conf.task_queues = [q for q in QUEUES if consumed is None or (q.alias or q.name) in consumed.split(',')]

if os.environ.get('PYTASKS_PER_CONSUMER_QOS') == '1' and celery.VERSION < (5, 5):
    # RabbitMQ refuses global QoS on a channel that consumes a quorum queue, and Celery 5.2 asks for it on
    # every RabbitMQ since 3.3; Celery 5.5 switches to a per-consumer prefetch once it sees a quorum queue
    # by itself, as this does for the 5.2 workers that consume 'qq'.
    from kombu.transport import pyamqp
    pyamqp.Transport.qos_semantics_matches_spec = lambda self, connection: True


@app.task(name='tasks.add')
def add(x, y):
    return x + y


@app.task(name='tasks.div')
def div(a, b):
    return a / b


@app.task(name='tasks.greet')
def greet(name, greeting='Hello'):
    return f'{greeting}, {name}!'


@app.task(name='tasks.sleep')
def sleep(seconds):
    time.sleep(seconds)
    return seconds


@app.task(name='tasks.flaky', bind=True, autoretry_for=(TimeoutError,), max_retries=3, default_retry_delay=0.2)
def flaky(self, failures):
    """Times out until retried `failures` times by autoretry_for, then returns how many retries it took."""
    if self.request.retries < failures:
        raise TimeoutError(f'attempt {self.request.retries} timed out')
    return self.request.retries


@app.task(name='tasks.retry_explicitly', bind=True, max_retries=2)
def retry_explicitly(self, failures):
    """Asks for its retries itself, as `raise self.retry(...)` does, then returns how many it took."""
    if self.request.retries < failures:
        raise self.retry(exc=ValueError(f'attempt {self.request.retries} not ready'), countdown=0.1)
    return self.request.retries


@app.task(name='tasks.collect')
def collect(values, label):
    """A chord body: its label and the values it received, in the order received."""
    return label + ':' + ','.join(str(v) for v in values)


@app.task(name='interop.whoami')
def whoami():
    return 'python'


@app.task(name='delayed.stamp')
def stamp():
    """When the task ran, in seconds since the epoch, so the caller can tell how long it waited."""
    return time.time()
