"""Python Celery side of the chord benchmark: the same square and total tasks, prefork pool, Redis results."""
import os

from celery import Celery
from kombu import Queue

app = Celery('chordtasks', broker=os.environ['BROKER_URL'], backend=os.environ['REDIS_URL'])
app.conf.accept_content = ['json']
app.conf.task_queues = [Queue('bench.chord.celery')]
app.conf.task_default_queue = 'bench.chord.celery'


@app.task(name='bench.square')
def square(x):
    return x * x


@app.task(name='bench.total')
def total(parts):
    return sum(parts)
