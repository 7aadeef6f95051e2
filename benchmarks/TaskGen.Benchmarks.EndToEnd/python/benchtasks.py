"""Python Celery 5.2 side of the end-to-end benchmark: the same Add task, prefork pool, rpc results."""
import os

from celery import Celery
from kombu import Queue

app = Celery('benchtasks', broker=os.environ['BROKER_URL'], backend='rpc://')
app.conf.accept_content = ['json']
app.conf.task_queues = [Queue('bench.celery')]
app.conf.task_default_queue = 'bench.celery'
app.conf.worker_prefetch_multiplier = 4


@app.task(name='bench.add')
def add(a, b):
    return a + b
