"""What a page says about itself when it is shared: the link preview's
title, description and absolute address (Open Graph, Twitter cards).

base.html captures the page's own title and description blocks once and
writes them into <title>, <meta name="description"> and the preview tags,
so no page repeats its title to be shared well; a page overrides a preview
block (`og_type`, `og_title`, ...) only where it should read differently.
"""

from html import unescape

from django import template
from django.conf import settings

from incidents.rendering import markdown_to_text

register = template.Library()


class CaptureNode(template.Node):
    # Listed so that {% block %}s inside stay overridable by child templates.
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        # Kept as plain text (entities decoded), so that it is escaped once
        # wherever it is written, in an element or an attribute.
        context[self.name] = unescape(self.nodelist.render(context).strip())
        return ""


@register.tag
def capture(parser, token):
    """{% capture as name %}...{% endcapture %}: render the enclosed template
    (blocks included) once and keep it, trimmed, as the plain text `name`."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Usage: {% capture as name %}...{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


@register.simple_tag(takes_context=True)
def absolute_url(context, path=None):
    """The absolute address of `path` (default: this page, without its query
    string) as the reader reached the site; settings.SITE_URL where there is
    no request (a page rendered outside one)."""
    request = context.get("request")
    if path is None:
        path = request.path if request is not None else "/"
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL + path


@register.filter
def plain_markdown(text):
    """{{ incident.summary|plain_markdown }}: editors' Markdown as one line of plain text."""
    return markdown_to_text(str(text or ""))
