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
app.conf.task_queues = [Queue('py'), Queue('mixed'), Broadcast('interop_fleet')]


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


@app.task(name='interop.whoami')
def whoami():
    return 'python'
