"""The site's public address when AIKB_SITE_URL is not set.

The run command (config.stack) serves at the --host/--port it is given and
passes that address to its own processes. A command started on its own
(`manage.py build_digest` in another shell) would not know it and would
link to port 8000; so the run command records the address it serves at in
`var/site-url`, and the settings read it when AIKB_SITE_URL is unset:

    AIKB_SITE_URL  >  var/site-url (the address the run command last served at)  >  http://127.0.0.1:8000
"""

from pathlib import Path

SITE_URL_FILE = "site-url"
DEFAULT_SITE_URL = "http://127.0.0.1:8000"


def record_site_url(var_dir: Path, url: str) -> None:
    """Write the address being served at (config.stack calls this on start)."""
    path = Path(var_dir) / SITE_URL_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{SITE_URL_FILE}.tmp")
    temporary.write_text(url.strip().rstrip("/") + "\n")
    temporary.replace(path)


def recorded_site_url(var_dir: Path) -> str:
    """The address the run command last served at, or "" when none was recorded."""
    try:
        text = (Path(var_dir) / SITE_URL_FILE).read_text().strip()
    except OSError:
        return ""
    return text if text.startswith(("http://", "https://")) else ""
