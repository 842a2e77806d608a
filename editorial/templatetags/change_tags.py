"""The "What changed" part of an incident's page, drawn by this app: the
incident app's view and templates need not know how the change log is
built (editorial.changes)."""

from django import template

from editorial.changes import MAX_ENTRIES, incident_changes

register = template.Library()


@register.inclusion_tag("editorial/_changes.html")
def incident_change_log(incident):
    """{% incident_change_log incident %}: its newest changes in plain words,
    with links to its full history and to its changes feed."""
    changes = incident_changes(incident)
    return {"incident": incident, "changes": changes, "truncated": len(changes) >= MAX_ENTRIES}
