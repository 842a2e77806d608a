import datetime
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader

from incidents.models import ClaimStatusChange, Incident, IncidentRelation, Measurement
from reproductions.models import Harness, ReproductionRun, Verdict
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    IncidentFactory,
    IncidentOrganisationFactory,
    IncidentSystemFactory,
    MeasurementFactory,
    MetricFactory,
    OrganisationFactory,
    SourceFactory,
    TaxonomyTermFactory,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture
def briefed_incident(db):
    """An incident with everything a briefing shows: claims with evidence,
    a metric with two measurements, a verdict and a related incident."""
    incident = IncidentFactory(
        title="Agent opened a reverse SSH tunnel during training",
        summary="An **agent** under reinforcement learning opened a reverse SSH tunnel and mined cryptocurrency.",
        body="The team found the tunnel through firewall alerts.",
    )
    incident.taxonomy.add(TaxonomyTermFactory(name="Resource acquisition", slug="resource-acquisition"))
    IncidentOrganisationFactory(incident=incident, organisation__name="Alibaba", organisation__slug="alibaba")
    IncidentSystemFactory(incident=incident, system__name="ROME agent", system__slug="rome-agent")
    source = SourceFactory(
        title="Let It Flow: agentic crafting",
        url="https://arxiv.org/abs/2512.24873",
        archived_file=ContentFile(b"an archived copy of the paper", name="let-it-flow.pdf"),
    )
    claim = ClaimFactory(incident=incident, statement="The agent established a reverse SSH tunnel.", position=1)
    EvidenceFactory(
        incident=incident,
        claim=claim,
        source=source,
        quote="we observed the unauthorized repurposing of provisioned GPU capacity",
        locator="3.1",
    )
    second = ClaimFactory(incident=incident, statement="The behaviour was not requested by any prompt.", position=2)
    EvidenceFactory(incident=incident, claim=second, source=SourceFactory(title="Incident log excerpt"), quote="no task instruction mentioned tunnelling", locator="4")
    metric = MetricFactory(name="Blackmail rate")
    MeasurementFactory(metric=metric, evidence__incident=incident, value=96.0, lower=90.0, upper=99.0, system__name="Claude Opus 4", system__slug="claude-opus-4")
    MeasurementFactory(metric=metric, evidence__incident=incident, value=79.0, system__name="DeepSeek R1", system__slug="deepseek-r1")
    run = ReproductionRun.objects.create(harness=Harness.objects.create(name="agentic-misalignment", slug="agentic-misalignment"), status="succeeded")
    Verdict.objects.create(run=run, claim=claim, outcome="consistent", reason="Re-run gave 94% on the same prompts.")
    other = IncidentFactory(title="Self-replication study follow-up")
    IncidentRelation.objects.create(from_incident=incident, to_incident=other, relation_type="follow-up")
    return incident


START = datetime.date(2026, 11, 9)
END = datetime.date(2026, 11, 16)
INSIDE = datetime.datetime(2026, 11, 11, 12, tzinfo=datetime.timezone.utc)
BEFORE = datetime.datetime(2026, 10, 1, 12, tzinfo=datetime.timezone.utc)
AFTER = datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.timezone.utc)


def at(model, obj, **fields):
    model.objects.filter(pk=obj.pk).update(**fields)


@pytest.fixture
def digest_data(db):
    """One new, one updated and one untouched incident in the week of 9 November 2026."""
    return make_digest_data(INSIDE, BEFORE)


def make_digest_data(inside, before):
    """A new and an updated incident, a claim status change, a verdict and a
    new measurement at `inside`; an untouched incident and an older
    measurement at `before`."""
    term = TaxonomyTermFactory(name="Deception", slug="deception")
    lab = OrganisationFactory(name="Frontier Lab", slug="frontier-lab")
    new = IncidentFactory(title="Model blackmailed an executive in a simulation", severity=Incident.Severity.SEVERE)
    new.taxonomy.add(term)
    IncidentOrganisationFactory(incident=new, organisation=lab)
    new_claim = ClaimFactory(incident=new, statement="Models chose blackmail in 79-96% of runs.")
    EvidenceFactory(incident=new, claim=new_claim, source=SourceFactory(title="Agentic Misalignment report"))
    updated = IncidentFactory(title="Agent mined cryptocurrency during training", severity=Incident.Severity.LOW)
    claim = ClaimFactory(incident=updated, statement="The agent opened a reverse SSH tunnel.")
    EvidenceFactory(incident=updated, claim=claim, source=SourceFactory(title="Let It Flow paper"))
    change = ClaimStatusChange.objects.create(claim=claim, from_status="unverified", to_status="supported", reason="Primary source found.")
    run = ReproductionRun.objects.create(harness=Harness.objects.create(name="misalignment-harness", slug="mh"), status="succeeded")
    verdict = Verdict.objects.create(run=run, claim=new_claim, outcome="consistent", reason="Re-run gave 90%.")
    metric = MetricFactory(name="Blackmail rate")
    old = MeasurementFactory(metric=metric, evidence__incident=new, value=79.0)
    fresh = MeasurementFactory(metric=metric, evidence__incident=new, value=96.0, system=old.system)
    untouched = IncidentFactory(title="Old incident nobody touched")

    at(Incident, new, created=inside, updated=inside)
    at(Incident, updated, created=before, updated=inside)
    at(Incident, untouched, created=before, updated=before)
    at(ClaimStatusChange, change, changed_at=inside)
    at(Verdict, verdict, created=inside)
    at(Measurement, old, created=before)
    at(Measurement, fresh, created=inside)
    return {"new": new, "updated": updated, "untouched": untouched, "term": term, "lab": lab}


def open_pdf(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in open_pdf(data).pages)


def save_page_png(pdf_path: Path, name: str, page: int = 1) -> Path:
    """Render one page with pdftoppm into artifacts/ (git-ignored) for people to look at."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / name
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile", str(pdf_path), str(prefix)],
        check=True,
        timeout=60,
    )
    return prefix.with_suffix(".png")


@pytest.fixture
def tripwire_server():
    """A real HTTP server on loopback that counts every request: a PDF
    render that reaches it has fetched something it must not."""
    import http.server
    import threading

    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { background: red; }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_address[1]}", "hits": hits}
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free loopback port, collecting
    the messages it receives."""
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(
                {
                    "from": envelope.mail_from,
                    "to": list(envelope.rcpt_tos),
                    "message": email.message_from_bytes(envelope.content, policy=email.policy.default),
                }
            )
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield {"port": port, "received": received}
    finally:
        controller.stop()


@pytest.fixture
def use_smtp(settings, smtp_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server["port"]
    settings.EMAIL_USE_TLS = False
    return smtp_server
