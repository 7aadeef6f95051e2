"""The Python side of the canvas interop tests: one Celery app for Celery 5.2 (Debian's) and 5.6 (on PYTHONPATH).

Tasks named canvas.* run on TaskGen workers and go to CANVAS_TG_QUEUE; pycanvas.* run here and go to CANVAS_PY_QUEUE.
Each test names its own two queues, so tests never take each other's messages. Results are on RESULT_BACKEND (redis://).
"""
import os

from celery import Celery

TG_QUEUE = os.environ['CANVAS_TG_QUEUE']
PY_QUEUE = os.environ['CANVAS_PY_QUEUE']

app = Celery('canvasapp', broker=os.environ['BROKER_URL'], backend=os.environ['RESULT_BACKEND'])
app.conf.accept_content = ['json']
app.conf.task_serializer = 'json'
app.conf.result_serializer = 'json'
app.conf.task_routes = {'canvas.*': {'queue': TG_QUEUE}, 'pycanvas.*': {'queue': PY_QUEUE}}


@app.task(name='pycanvas.square')
def square(x):
    return x * x


@app.task(name='pycanvas.total')
def total(values):
    return sum(values)


@app.task(name='pycanvas.join')
def join(values):
    return ','.join(str(v) for v in values)


@app.task(name='pycanvas.shape')
def shape(values):
    """Shows the structure a chord body was given, nested lists and all."""
    return values


@app.task(name='pycanvas.boom')
def boom(message):
    raise ValueError(message)
