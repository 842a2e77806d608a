"""A run's log opens in Inspect's own viewer, served by the site under
Inspect's own security policy, reading the log with byte ranges."""

from pathlib import Path

import pytest
from django.conf import settings

from reproductions.runner import execute_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_log_opens_in_inspects_viewer_without_a_policy_violation(browser, live_server, queued_run):
    run = execute_run(queued_run().pk)
    page = browser.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto(f"{live_server.url}/runs/{run.pk}/")
        page.click("text=Open in Inspect's log viewer")
        page.wait_for_url("**/viewer/?log_file=**")
        # The viewer read the log: the task's name and its score appear.
        page.wait_for_selector("text=emergent_misalignment", timeout=30_000)
        page.wait_for_selector("text=misaligned_rate", timeout=30_000)
        artifacts = Path(settings.BASE_DIR) / "artifacts"
        artifacts.mkdir(exist_ok=True)
        page.screenshot(path=artifacts / "inspect-viewer.png")
    finally:
        page.close()
    assert problems == []


def test_the_log_answers_byte_ranges_as_the_viewer_asks(client, queued_run):
    run = execute_run(queued_run().pk)
    whole = b"".join(client.get(f"/runs/{run.pk}/log.eval").streaming_content)
    part = client.get(f"/runs/{run.pk}/log.eval", HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and b"".join(part.streaming_content) == whole[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(whole)}"
    tail = client.get(f"/runs/{run.pk}/log.eval", HTTP_RANGE="bytes=-22")
    assert tail.status_code == 206 and b"".join(tail.streaming_content) == whole[-22:]  # a zip's end record
    beyond = client.get(f"/runs/{run.pk}/log.eval", HTTP_RANGE=f"bytes={len(whole)}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(whole)}"
    head = client.head(f"/runs/{run.pk}/log.eval")
    assert head.status_code == 200 and head["Accept-Ranges"] == "bytes"
