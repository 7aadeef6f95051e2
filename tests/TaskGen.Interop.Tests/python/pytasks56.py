"""The Celery 5.6 side of the interop tests: a quorum queue on the broker named by BROKER_URL.

Run with PYTHONPATH at Celery 5.6's sources. A 5.5+ worker that consumes a quorum queue declares kombu's native
delayed-delivery layout (celery_delayed_0 .. 27, celery_delayed_delivery) when it starts, and its producer sends a
countdown through those levels instead of to the queue.
"""
import os
import time

from celery import Celery
from kombu import Exchange, Queue

app = Celery('pytasks56', broker=os.environ['BROKER_URL'], backend='rpc://')
app.conf.accept_content = ['json']
app.conf.task_serializer = 'json'
app.conf.result_serializer = 'json'
app.conf.broker_connection_retry_on_startup = True
# A topic exchange, as Celery's quorum-queue guide asks: a 5.5+ producer keeps a countdown for a queue on a direct
# exchange out of the delay levels, and its worker binds only non-direct exchanges to celery_delayed_delivery.
app.conf.task_queues = [Queue('py56', Exchange('py56', type='topic'), routing_key='py56', queue_arguments={'x-queue-type': 'quorum'})]
app.conf.task_routes = {'py56.*': {'queue': 'py56'}}


@app.task(name='py56.stamp')
def stamp():
    """When the task ran, in seconds since the epoch, so the caller can tell how long it waited."""
    return time.time()
