"""The reproductions part of an incident's page, drawn by this app: the
incident app's view and templates need not know about runs and verdicts."""

from django import template

from reproductions.selectors import reproductions_for_incident

register = template.Library()


@register.inclusion_tag("reproductions/_incident_reproductions.html")
def incident_reproductions(incident):
    """{% incident_reproductions incident %}: its runs (running ones with
    their progress) and the history of verdicts on its claims."""
    return reproductions_for_incident(incident)
