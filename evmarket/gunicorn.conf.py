"""gunicorn's configuration for production (``make serve``); the drills and the serving tests
start gunicorn with it too, so what they check is what is deployed.

Behind nginx (docs/operations.md), which buffers whole requests: gunicorn's threads then never
wait on a slow client.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "gthread"
threads = 4
timeout = 60
graceful_timeout = 20
accesslog = "-"
# X-Forwarded-Proto is believed from the local proxy only.
forwarded_allow_ips = "127.0.0.1"
# The longest request line gunicorn reads (its maximum, and nginx's default buffer): the app's
# own limit on query strings (entrants/access.py) is below it, so that limit answers in words.
limit_request_line = 8190
# gunicorn 27's control socket lives in ~/.gunicorn/: one per server, or servers share it.
control_socket_disable = True
