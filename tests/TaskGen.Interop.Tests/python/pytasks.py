"""The Python side of the interop tests: a Celery 5.2 app on the broker named by BROKER_URL.

Results go by rpc:// unless RESULT_BACKEND names another backend (redis://...), as the redis:// tests do.
"""
import os
import socket
import time

from celery import Celery
from kombu import Queue
from kombu.common import Broadcast

app = Celery('pytasks', broker=os.environ['BROKER_URL'], backend=os.environ.get('RESULT_BACKEND') or 'rpc://')
app.conf.accept_content = ['json']
app.conf.task_serializer = 'json'
app.conf.result_serializer = 'json'
app.conf.task_routes = {'tasks.*': {'queue': 'py'}}
# 'qq' is declared as Celery 5.5's task_default_queue_type = 'quorum' declares its queues.
app.conf.task_queues = [Queue('py'), Queue('mixed'), Broadcast('interop_fleet'), Queue('qq', queue_arguments={'x-queue-type': 'quorum'})]

if os.environ.get('PYTASKS_PER_CONSUMER_QOS') == '1':
    # RabbitMQ refuses global QoS on a channel that consumes a quorum queue, and Celery 5.2 asks for it on
    # every RabbitMQ since 3.3; Celery 5.5 switches to a per-consumer prefetch once it sees a quorum queue,
    # as this does for the workers that consume 'qq'.
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
