"""HTML to PDF with WeasyPrint, set up once per process.

One `FontConfiguration`, one parsed stylesheet and one image cache serve every
render (parsing fonts and CSS dominates small renders). Output is the tagged
PDF/UA-1 variant; title, author, subject and keywords come from the
document's <title> and <meta> elements.
"""

import hashlib
import io
import logging
import re
import threading
from functools import lru_cache
from pathlib import Path
from urllib.parse import urljoin

# WeasyPrint reports each rendering step at INFO; keep worker logs to what matters.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

import weasyprint  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from incidents.text import without_control_characters  # noqa: E402

from .url_fetcher import ProjectFilesFetcher  # noqa: E402

STYLESHEET = "briefings/briefing.css"
PDF_VARIANT = "pdf/ua-1"

_font_config = FontConfiguration()
_image_cache: dict = {}
# The image cache is keyed by URL and lives as long as the worker process:
# bound it, so a long-lived worker does not grow without limit.
IMAGE_CACHE_MAX_ENTRIES = 200
# WeasyPrint's font configuration and caches are not meant for concurrent use.
_render_lock = threading.Lock()


@lru_cache(maxsize=1)
def stylesheet_path() -> Path:
    found = finders.find(STYLESHEET)
    if not found:
        raise FileNotFoundError(f"static/{STYLESHEET} is missing")
    return Path(found)


@lru_cache(maxsize=1)
def _stylesheet() -> weasyprint.CSS:
    path = stylesheet_path()
    return weasyprint.CSS(
        string=path.read_text(encoding="utf-8"),
        base_url=path.parent.as_uri() + "/",
        font_config=_font_config,
        url_fetcher=ProjectFilesFetcher(),
    )


@lru_cache(maxsize=1)
def renderer_fingerprint() -> str:
    """What besides the HTML decides the output: the stylesheet and the
    renderer's version. Part of every briefing's input hash."""
    css = stylesheet_path().read_bytes()
    return f"weasyprint={weasyprint.__version__};variant={PDF_VARIANT};css={hashlib.sha256(css).hexdigest()}"


# An href without a scheme (a relative link an editor wrote in Markdown).
RELATIVE_HREF = re.compile(r'href="(?![a-zA-Z][a-zA-Z0-9+.-]*:|#)([^"]*)"')


def absolute_links(html: str) -> str:
    """Relative links made absolute on the public site. WeasyPrint resolves
    them against the document's base URL, the stylesheet's folder, so a
    Markdown link to /incidents/... became a file: link into the install."""
    site = settings.SITE_URL.rstrip("/") + "/"
    return RELATIVE_HREF.sub(lambda m: f'href="{urljoin(site, m.group(1))}"', html)


def html_to_pdf(html: str, fetcher: ProjectFilesFetcher | None = None) -> bytes:
    """Render an HTML document (from our templates) to tagged PDF bytes,
    fetching only the project's own static and media files; its links point
    at the public site."""
    # A control character stored before text was checked at the door would
    # reach the PDF as a glyph its font lacks and garble the text layer.
    html = absolute_links(without_control_characters(html))
    fetcher = fetcher or ProjectFilesFetcher()
    base_url = stylesheet_path().parent.as_uri() + "/"
    with _render_lock:
        if len(_image_cache) > IMAGE_CACHE_MAX_ENTRIES:
            _image_cache.clear()
        document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        return document.write_pdf(
            stylesheets=[_stylesheet()],
            font_config=_font_config,
            pdf_variant=PDF_VARIANT,
            cache=_image_cache,
        )


def warm_up() -> None:
    """Load fonts and parse the stylesheet once, so a worker's first real
    briefing does not pay for it (about a second)."""
    html_to_pdf('<!doctype html><html lang="en"><head><title>warm-up</title></head><body><p>Warm-up</p></body></html>')


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)
