"""The journalists' getting-started page: every curl and Python example on
it runs, as printed, against a live server and gives the promised output."""

import datetime
import html
import os
import re
import subprocess
import sys
import urllib.request

import pytest

from api.tokens import issue_token
from incidents.search import refresh_search_vectors
from tests.factories import ClaimFactory, EvidenceFactory, IncidentFactory, MeasurementFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

EXAMPLE = re.compile(r'<code class="language-(\w+)" data-example="([-\w]+)"([^>]*)>(.*?)</code>', re.S)


@pytest.fixture
def examples(live_server, make_user):
    incident = IncidentFactory(title="Agent opened a reverse SSH tunnel", severity=4)
    claim = ClaimFactory(incident=incident, status="supported", statement="It opened a tunnel.")
    quiet = {"title": "Unrelated finding", "summary": "Nothing to see.", "body": ""}
    ClaimFactory(incident=IncidentFactory(**quiet, reported_on=datetime.date(2025, 1, 1)), status="contested",
                 statement="Disputed figure.")
    evidence = EvidenceFactory(incident=incident, claim=claim)
    MeasurementFactory(incident=incident, evidence=evidence)
    IncidentFactory.create_batch(3, **quiet)
    refresh_search_vectors()
    with urllib.request.urlopen(f"{live_server.url}/api/docs/getting-started/", timeout=30) as response:
        page = response.read().decode()
    found = {name: (language, "data-needs-token" in attrs, html.unescape(code)) for language, name, attrs, code in EXAMPLE.findall(page)}
    perms = ["change_claim", "change_incident", "publish_incident"]  # an editor's: the incident is public
    _, token = issue_token(make_user("desk", perms=perms), "getting started")
    return {"examples": found, "incident": incident, "claim": claim, "token": token, "base": live_server.url}


def run(language, code, tmp_path, token=None):
    env = {**os.environ, "AIKB_TOKEN": token or ""}
    if language == "bash":
        command = ["bash", "-e", "-o", "pipefail", "-c", code]
    else:
        script = tmp_path / "example.py"
        script.write_text(code)
        command = [sys.executable, str(script)]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"{code}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    return result.stdout


def test_every_example_runs_as_printed(examples, tmp_path):
    found = examples["examples"]
    assert {"curl-search", "curl-detail", "curl-csv", "curl-bibtex", "curl-etag", "python-sync", "curl-write"} <= set(found)
    for name, (language, needs_token, code) in found.items():
        assert examples["base"] in code, name  # the page names this very server
        output = run(language, code, tmp_path, examples["token"] if needs_token else None)
        assert output.strip() or name == "curl-csv", name


def test_the_examples_give_what_the_page_promises(examples, tmp_path):
    found, incident, claim = examples["examples"], examples["incident"], examples["claim"]
    import json

    search = json.loads(run("bash", found["curl-search"][2], tmp_path))
    assert [i["public_id"] for i in search["results"]] == [incident.public_id]

    detail = json.loads(run("bash", found["curl-detail"][2], tmp_path))
    assert detail["claims"][0]["statement"] == "It opened a tunnel." and detail["sources"]

    csv_head = run("bash", found["curl-csv"][2], tmp_path).splitlines()
    assert csv_head[0].startswith("public_id,title,") and len(csv_head) == 3

    citations = run("bash", found["curl-bibtex"][2], tmp_path)
    assert citations.lstrip().startswith("@") and '"title":"Agent opened a reverse SSH tunnel"' in citations.replace(": ", ":")

    assert run("bash", found["curl-etag"][2], tmp_path).strip() == "304"

    python = run("python", found["python-sync"][2], tmp_path)
    assert "5 incidents" in python  # every public incident, via the cursor
    assert "[Supported: the party's own account only] It opened a tunnel. (basis: The party's own account only)" in python
    assert "contested Disputed figure." in python

    assert f"/claims/{claim.pk}/" in found["curl-write"][2]
    run("bash", found["curl-write"][2], tmp_path, examples["token"])
    claim.refresh_from_db()
    assert claim.status == "contested"
    assert claim.status_changes.get().reason == "The company disputes the figure in its reply."
