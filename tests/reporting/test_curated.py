"""No curated incident carries a serious-incident report: none of their
cited sources describes a serious incident (death, harm to health,
critical infrastructure, fundamental rights, property or environment), so
none is at the OECD level serious incident, and the rule refuses them."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from incidents.models import Incident
from incidents.oecd import SERIOUS_LEVELS
from reporting.services import check_reportable

pytestmark = pytest.mark.django_db


def test_curated_incidents_are_not_reportable_and_say_why():
    call_command("load_curated", verbosity=0)
    incidents = list(Incident.objects.all())
    assert incidents
    assert not [i.public_id for i in incidents if i.oecd_severity in SERIOUS_LEVELS]
    for incident in incidents:
        with pytest.raises(ValidationError) as refused:
            check_reportable(incident)
        message = refused.value.message_dict["incident"][0]
        assert message.startswith(incident.public_id)
        assert ("hazard" in message) if incident.kind != "incident" else ("mark its OECD level" in message)
