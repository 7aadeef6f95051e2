"""Sends the monitor tests' tasks to the montasks worker on MONTASKS_QUEUE and prints what it sent as one JSON line.

  monclient.py send TASK ARGS_JSON   -> {"id": ...}; sends one task by name with a JSON array of arguments
  monclient.py mix                   -> {"add": id, "fail": id, "retry": id, "group": [ids], "chord_header": [ids],
                                         "chord_body": id}; sends one task of each kind and waits until each has ended,
                                         so a monitor has every final state to show. The chord is left out (null) on
                                         rpc://, which cannot run one.
"""
import json
import sys

from celery import chord, group

import montasks as m

WAIT = 60


def send(task, args_json):
    result = m.app.send_task(task, args=json.loads(args_json), queue=m.app.conf.task_default_queue)
    return {'id': result.id}


def mix():
    ids = {}
    add = m.add.delay(2, 3)
    ids['add'] = add.id
    add.get(timeout=WAIT)

    fail = m.fail.delay('boom <b>&')
    ids['fail'] = fail.id
    fail.get(timeout=WAIT, propagate=False)

    retry = m.retry.delay(2)
    ids['retry'] = retry.id
    retry.get(timeout=WAIT)

    members = group(m.add.s(i, i) for i in range(3)).delay()
    ids['group'] = [r.id for r in members.results]
    members.get(timeout=WAIT)

    ids['chord_header'] = None
    ids['chord_body'] = None
    if not m.app.conf.result_backend.startswith('rpc'):
        body = chord([m.add.s(1, 1), m.add.s(2, 2)], m.collect.s()).delay()
        ids['chord_header'] = [r.id for r in body.parent.results]
        ids['chord_body'] = body.id
        body.get(timeout=WAIT)
    return ids


if __name__ == '__main__':
    command = sys.argv[1]
    if command == 'send':
        output = send(sys.argv[2], sys.argv[3])
    elif command == 'mix':
        output = mix()
    else:
        raise SystemExit(f'unknown command {command!r}')
    print(json.dumps(output), flush=True)
