"""The Python side of the monitor tests: a Celery app on the broker named by BROKER_URL whose worker sends events.

The same app runs on Debian's Celery 5.2.6 and on Celery 5.6.3 from its sources (PYTHONPATH). Every task state a
monitor shows has a task here: success, failure, retry, a long run to see as active, and a chord's parts.
Results go by rpc:// unless RESULT_BACKEND names another (a chord needs one that keeps results, redis://).
"""
import os
import time

from celery import Celery

app = Celery('montasks', broker=os.environ['BROKER_URL'], backend=os.environ.get('RESULT_BACKEND') or 'rpc://')
app.conf.accept_content = ['json']
app.conf.task_serializer = 'json'
app.conf.result_serializer = 'json'
# Celery 5.3+ warns at start-up without it; 5.2 ignores a setting it does not know.
app.conf.broker_connection_retry_on_startup = True
# task-sent events, so a monitor sees a task before a worker takes it.
app.conf.task_send_sent_event = True
# Every task goes to MONTASKS_QUEUE (default 'celery'), so tests on one broker keep their workers apart.
app.conf.task_default_queue = os.environ.get('MONTASKS_QUEUE') or 'celery'


@app.task(name='mon.add')
def add(x, y):
    return x + y


@app.task(name='mon.fail')
def fail(message):
    """Always fails, so a monitor has a FAILURE with an exception and a traceback to show."""
    raise ValueError(message)


@app.task(name='mon.retry', bind=True, max_retries=3)
def retry(self, failures):
    """Asks for a retry until it has been retried `failures` times, then returns how many retries it took."""
    if self.request.retries < failures:
        raise self.retry(exc=KeyError(f'attempt {self.request.retries}'), countdown=0.2)
    return self.request.retries


@app.task(name='mon.sleep')
def sleep(seconds):
    """Runs for a while, so a monitor sees it active."""
    time.sleep(seconds)
    return seconds


@app.task(name='mon.collect')
def collect(values):
    """A chord body: the sum of its header's results."""
    return sum(values)
