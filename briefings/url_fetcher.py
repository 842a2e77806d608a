"""What WeasyPrint may read while rendering a PDF: the project's own static
and media files, and inline `data:` URLs. Nothing else.

User text is already sanitised, but a PDF renderer that follows any URL is a
server-side request forgery waiting to happen (`http://169.254.169.254/`,
`file:///etc/passwd`, `../../` after joining with the base URL), so the
fetcher refuses every other scheme, host and path, and images too large to be
ours. Each refusal is logged and recorded; WeasyPrint then leaves the resource
out and the PDF still renders.
"""

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


class RefusedURL(ValueError):
    """WeasyPrint asked for something outside the project's files."""


def allowed_roots() -> list[Path]:
    """Folders whose files a PDF may embed: the static folders and the media root."""
    roots = [Path(settings.STATIC_ROOT), Path(settings.MEDIA_ROOT)]
    roots += [Path(entry[1] if isinstance(entry, tuple) else entry) for entry in settings.STATICFILES_DIRS]
    return [root.resolve() for root in roots]


class ProjectFilesFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves `file:` URLs inside the allowed
    roots (after resolving symlinks and `..`) and `data:` URLs, and refuses
    everything else. `refused` lists what it turned away, for tests and logs."""

    def __init__(self, roots=None, max_bytes=None):
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
        self.roots = [Path(r).resolve() for r in roots] if roots is not None else allowed_roots()
        self.max_bytes = max_bytes or getattr(settings, "BRIEFINGS_MAX_IMAGE_BYTES", DEFAULT_MAX_BYTES)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        try:
            scheme = urlsplit(url).scheme.lower()
            if scheme == "file":
                return self._fetch_file(url)
            if scheme == "data":
                if len(url) > self.max_bytes * 4 // 3 + 100:
                    raise RefusedURL("inline image larger than the limit")
                return super().fetch(url, headers)
            raise RefusedURL(f"scheme {scheme or '(none)'!r} is not allowed")
        except RefusedURL as refusal:
            self.refused.append(url)
            logger.warning("PDF render refused %s: %s", url[:200], refusal)
            raise

    def _fetch_file(self, url):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedURL("file URLs on other hosts are not allowed")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise RefusedURL("path is outside the static and media folders")
        if not path.is_file():
            raise RefusedURL("no such file")
        if path.stat().st_size > self.max_bytes:
            raise RefusedURL(f"file is larger than {self.max_bytes} bytes")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type})
