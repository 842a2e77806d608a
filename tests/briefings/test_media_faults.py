"""Fault tests (issue 8): the media disk is full or read-only while a
briefing renders. The render fails with a clear reason, nothing half-written
is left, and the previous briefing stays available.

A real tmpfs is mounted as MEDIA_ROOT (needs the mount privilege, as in CI's
container; skipped where it is not granted)."""

import subprocess

import pytest

from briefings import services
from briefings.models import Briefing
from briefings.selectors import published_incident
from incidents.models import Incident

pytestmark = pytest.mark.integration


@pytest.fixture
def small_media_disk(settings, tmp_path):
    mount_point = tmp_path / "small-media"
    mount_point.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    settings.MEDIA_ROOT = mount_point
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(mount_point):
    subprocess.run(["dd", "if=/dev/zero", f"of={mount_point}/filler", "bs=4k"], capture_output=True, check=False)


def _render(incident):
    return services.incident_briefing(published_incident(incident.public_id))


def _change(incident):
    Incident.objects.filter(pk=incident.pk).update(summary="New reporting changed the summary.")


def test_full_media_disk_fails_clearly_and_keeps_the_previous_briefing(client, briefed_incident, small_media_disk):
    previous = _render(briefed_incident)
    assert previous.is_ready
    _change(briefed_incident)
    _fill(small_media_disk)

    failed = _render(briefed_incident)
    assert failed.status == Briefing.Status.FAILED
    assert "could not be stored" in failed.error and "No space left on device" in failed.error
    assert not failed.file
    assert not (small_media_disk / previous.file.name).with_name(f"{failed.input_hash}.pdf").exists()

    previous.refresh_from_db()
    assert previous.is_ready and previous.file.storage.exists(previous.file.name)
    response = client.get(f"/incidents/{briefed_incident.public_id}/briefing.pdf")
    assert response.status_code == 200 and response["X-Content-SHA256"] == previous.sha256

    # Once space is freed, the next request renders the current content.
    (small_media_disk / "filler").unlink()
    recovered = _render(briefed_incident)
    assert recovered.pk == failed.pk and recovered.is_ready


def test_read_only_media_disk_fails_clearly_and_keeps_the_previous_briefing(client, briefed_incident, small_media_disk):
    previous = _render(briefed_incident)
    _change(briefed_incident)
    subprocess.run(["mount", "-o", "remount,ro", str(small_media_disk)], check=True)

    failed = _render(briefed_incident)
    assert failed.status == Briefing.Status.FAILED
    assert "could not be stored" in failed.error and "Read-only file system" in failed.error
    response = client.get(f"/incidents/{briefed_incident.public_id}/briefing.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == previous.file.storage.open(previous.file.name).read()
