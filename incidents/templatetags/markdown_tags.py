from django import template

from incidents.rendering import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """{{ incident.summary|markdown }}: sanitised HTML from editors' Markdown."""
    return render_markdown(text)
