"""WeasyPrint may read only the project's own static and media files: each
other scheme, host and path is refused, and the PDF still renders."""

import base64
import io

import pytest
from PIL import Image

from briefings.pdf import html_to_pdf, stylesheet_path
from briefings.url_fetcher import ProjectFilesFetcher, RefusedURL

from .conftest import pdf_text


def page(body: str) -> str:
    return f'<!doctype html><html lang="en"><head><title>Fetch test</title></head><body>{body}<p>Body still here.</p></body></html>'


def png_bytes(size=(4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def fetcher(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    return ProjectFilesFetcher(max_bytes=50_000)


def render_refusing(fetcher, body):
    pdf = html_to_pdf(page(body), fetcher)
    assert pdf.startswith(b"%PDF-")
    assert "Body still here." in pdf_text(pdf)
    return pdf


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://otherhost/etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/logo.png",
        "ftp://example.org/logo.png",
        "gopher://127.0.0.1:70/",
        "javascript:alert(1)",
    ],
)
def test_foreign_urls_are_refused_and_the_pdf_still_renders(fetcher, url):
    render_refusing(fetcher, f'<img src="{url}" alt="x"><div style="background: url(\'{url}\')">bg</div>')
    assert url in fetcher.refused
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)


def test_loopback_http_is_refused_without_any_request(fetcher, tripwire_server):
    base = tripwire_server["url"]
    render_refusing(
        fetcher,
        f'<style>@import url("{base}/imported.css");</style>'
        f'<link rel="stylesheet" href="{base}/linked.css"><img src="{base}/pixel.png" alt="x">',
    )
    assert tripwire_server["hits"] == []
    assert {f"{base}/imported.css", f"{base}/linked.css", f"{base}/pixel.png"} <= set(fetcher.refused)


@pytest.mark.parametrize(
    "src",
    ["../../../../../../etc/shadow", "../../config/settings.py", "%2e%2e/%2e%2e/%2e%2e/etc/hostname"],
)
def test_path_traversal_from_the_base_url_is_refused(fetcher, src):
    render_refusing(fetcher, f'<img src="{src}" alt="x">')
    assert fetcher.refused, "the traversal reached the fetcher and was refused"
    for url in fetcher.refused:
        assert url.startswith("file://")


def test_symlink_out_of_media_is_refused(fetcher, settings):
    link = settings.MEDIA_ROOT / "innocent.png"
    link.symlink_to("/etc/passwd")
    render_refusing(fetcher, f'<img src="{link.as_uri()}" alt="x">')
    assert link.as_uri() in fetcher.refused


def test_oversized_image_is_refused(fetcher, settings):
    big = settings.MEDIA_ROOT / "big.bmp"
    Image.new("RGB", (200, 200)).save(big, format="BMP")  # about 120 kB, over the 50 kB limit
    assert big.stat().st_size > 50_000
    render_refusing(fetcher, f'<img src="{big.as_uri()}" alt="x">')
    assert big.as_uri() in fetcher.refused


def test_oversized_inline_image_is_refused(fetcher):
    data_url = "data:image/png;base64," + base64.b64encode(b"\x89PNG" + b"\0" * 80_000).decode()
    render_refusing(fetcher, f'<img src="{data_url}" alt="x">')
    assert data_url in fetcher.refused


def test_project_static_and_media_files_are_served(fetcher, settings):
    small = settings.MEDIA_ROOT / "chart.png"
    small.write_bytes(png_bytes())
    css = stylesheet_path().as_uri()
    response = fetcher.fetch(small.as_uri())
    assert response.body if hasattr(response, "body") else True
    assert fetcher.fetch(css) is not None
    pdf = render_refusing(fetcher, f'<img src="{small.as_uri()}" alt="A small chart">')
    assert fetcher.refused == []
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf
