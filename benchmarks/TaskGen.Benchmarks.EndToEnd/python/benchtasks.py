"""Python Celery side of the end-to-end benchmark: the same Add task, prefork pool, rpc results.

Runs on Celery 5.6.3 from its sources (PYTHONPATH) and on Debian's 5.2.6 alike.
"""
import os

from celery import Celery
from kombu import Queue

app = Celery('benchtasks', broker=os.environ['BROKER_URL'], backend='rpc://')
app.conf.accept_content = ['json']
app.conf.task_queues = [Queue('bench.celery')]
app.conf.task_default_queue = 'bench.celery'
app.conf.worker_prefetch_multiplier = 4
# Celery 5.3+ warns at start-up without it; 5.2 ignores a setting it does not know.
app.conf.broker_connection_retry_on_startup = True


@app.task(name='bench.add')
def add(a, b):
    return a + b
