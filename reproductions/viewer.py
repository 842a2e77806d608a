"""Inspect's own log viewer, served by the site for any run's log.

Inspect ships its viewer as a built web app (inspect_ai/_view/dist) with the
Content-Security-Policy it needs (content-security-policy.json: hashes of
its two inline scripts, WebAssembly, workers). The site serves that app's
page with its assets under /runs/viewer/assets/ and Inspect's own policy,
and points it at a run's log with `?log_file=<absolute URL>`: the viewer
reads the .eval zip with HTTP Range requests (reproductions.views.run_log
answers them), and opens only logs of the site's own origin.

Only where Inspect is installed (the evaluation stack); elsewhere the run
page offers the download alone.
"""

import json
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path


def dist_dir() -> Path | None:
    """The viewer's built files, or None when Inspect is not installed here."""
    spec = find_spec("inspect_ai")
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).parent / "_view" / "dist"
    return folder if (folder / "index.html").is_file() else None


@lru_cache(maxsize=1)
def policy() -> str:
    """Inspect's own Content-Security-Policy for its viewer, as a header,
    with framing refused as on every page of the site."""
    document = json.loads((dist_dir() / "content-security-policy.json").read_text())
    directives = [f"{name} {' '.join(values)}" for name, values in document["directives"].items()]
    return "; ".join([*directives, "frame-ancestors 'none'"])


@lru_cache(maxsize=4)
def page(assets_url: str) -> str:
    """The viewer's page with its assets at `assets_url` (ending in /); the
    inline scripts are left byte for byte, so the policy's hashes hold."""
    html = (dist_dir() / "index.html").read_text(encoding="utf-8")
    return html.replace('"./assets/', f'"{assets_url}')
