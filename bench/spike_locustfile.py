"""The readers of bench/spike.py: anonymous readers all opening one incident,
80 % its page and 20 % its PDF, without pause (`SpikeReader`), and the same
readers fetching a static file of the page's size (`StaticReader`, the
limit). Settings come from the environment bench/spike.py passes:
AIKB_SPIKE_ID (the incident), AIKB_SPIKE_STATIC (the static file's path),
AIKB_SPIKE_LOG (where each response is recorded, for renders per change).

Readers keep no cookies: a reader who sent one back (a session, a CSRF
token) would no longer be the anonymous reader that a shared cache serves.
"""

import csv
import os
from http.cookiejar import DefaultCookiePolicy

from locust import FastHttpUser, constant, events, task

from bench.spike import log_row

PUBLIC_ID = os.environ.get("AIKB_SPIKE_ID", "")
STATIC_PATH = os.environ.get("AIKB_SPIKE_STATIC", "")
LOG_PATH = os.environ.get("AIKB_SPIKE_LOG", "")

_log = open(LOG_PATH, "w", newline="", buffering=1 << 16) if LOG_PATH else None
_writer = csv.writer(_log) if _log else None


@events.request.add_listener
def record(name, response, exception, start_time, **kwargs):
    if _writer is not None:
        _writer.writerow(log_row(name, start_time, response, exception))


@events.quitting.add_listener
def close_log(**kwargs):
    if _log is not None:
        _log.close()


class AnonymousReader(FastHttpUser):
    abstract = True
    # No think time: the spike is as many requests as the readers can send.
    wait_time = constant(0)

    def on_start(self):
        # No domain is allowed to set a cookie, so none is ever sent back.
        self.client.cookiejar.set_policy(DefaultCookiePolicy(allowed_domains=[]))


class SpikeReader(AnonymousReader):
    @task(4)
    def page(self):
        self.client.get(f"/incidents/{PUBLIC_ID}/", name="page")

    @task(1)
    def pdf(self):
        self.client.get(f"/incidents/{PUBLIC_ID}/briefing.pdf", name="pdf")


class StaticReader(AnonymousReader):
    @task
    def static(self):
        self.client.get(STATIC_PATH, name="static")
