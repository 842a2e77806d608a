"""Editors' Markdown, rendered once and sanitised, for pages, feeds and PDFs.

Python-Markdown does not sanitise; nh3 removes scripts, event handlers,
`javascript:`/`data:`/`file:` URLs and anything outside the allowed tags.
"""

from html import unescape

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3", "h4", "h5", "h6",
    "hr", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align", "scope"},
}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["tables", "fenced_code", "sane_lists", "footnotes"]


def render_markdown(text: str) -> SafeString:
    """Markdown to safe HTML: converted, then cleaned to the allowed tags,
    attributes and URL schemes, with external links marked nofollow."""
    if not text:
        return mark_safe("")
    html = markdown.markdown(text, extensions=EXTENSIONS, output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # nh3 output contains only the allowed markup


def markdown_to_text(text: str) -> str:
    """Editors' Markdown as one line of plain text, for what is read outside
    the page (link previews, meta descriptions): no markup, entities decoded,
    whitespace collapsed. Plain text: escape it where it is written."""
    return " ".join(unescape(nh3.clean(render_markdown(text), tags=set())).split())
