from functools import lru_cache

from django import template

from incidents.rendering import render_markdown

register = template.Library()


@lru_cache(maxsize=4096)
def _rendered(text: str):
    # Keyed by the text itself, so an edit is a new key: the same summary is
    # converted and sanitised once per process, not on every page view.
    return render_markdown(text)


@register.filter(name="markdown")
def markdown_filter(text):
    """{{ incident.summary|markdown }}: sanitised HTML from editors' Markdown."""
    return _rendered(str(text or ""))
