"""How to cite a release: plain text, BibTeX and CSL-JSON (the shape of
incidents.citations, for a dataset). The README inside a release, its
page and the API's `?format=bibtex`/`?format=csl-json` all call these, and
they read only the release's date, so the README can cite the release
before its row exists.
"""

import datetime

from django.urls import reverse

from incidents.citations import PUBLISHER, absolute_url, bibtex_escape
from incidents.licence import LICENCE_NAME


def release_url(version: datetime.date) -> str:
    """The release's permanent absolute address."""
    return absolute_url(reverse("release-detail", args=[version.isoformat()]))


def release_title(version: datetime.date) -> str:
    return f"{PUBLISHER} dataset, release {version.isoformat()}"


def release_key(version: datetime.date) -> str:
    return f"aikb-dataset-{version.isoformat()}"


def release_citation_text(version: datetime.date) -> str:
    """e.g. 'AI Incident Knowledge Base (2026). AI Incident Knowledge Base
    dataset, release 2026-12-07 [Data set]. CC BY 4.0. http://host/data/2026-12-07/'"""
    return (
        f"{PUBLISHER} ({version.year}). {release_title(version)} [Data set]. {LICENCE_NAME}. {release_url(version)}"
    )


def release_bibtex(version: datetime.date) -> str:
    """A BibTeX @misc entry keyed "aikb-dataset-<version>", as a string."""
    url = release_url(version)
    fields = [
        ("title", bibtex_escape(release_title(version))),
        ("author", "{" + PUBLISHER + "}"),
        ("organization", PUBLISHER),
        ("year", str(version.year)),
        ("month", str(version.month)),
        ("version", version.isoformat()),
        ("howpublished", f"\\url{{{url}}}"),
        ("url", url),
        ("note", f"Data set, {LICENCE_NAME}"),
    ]
    lines = [f"@misc{{{release_key(version)},"] + [f"  {name} = {{{value}}}," for name, value in fields] + ["}"]
    return "\n".join(lines)


def release_csl(version: datetime.date) -> dict:
    """A CSL-JSON item of type "dataset" (a dict ready for json.dumps)."""
    return {
        "id": release_key(version),
        "type": "dataset",
        "title": release_title(version),
        "author": [{"literal": PUBLISHER}],
        "publisher": PUBLISHER,
        "version": version.isoformat(),
        "issued": {"date-parts": [[version.year, version.month, version.day]]},
        "URL": release_url(version),
        "license": LICENCE_NAME,
    }
