"""Each release says what changed since the one before: incidents added,
changed (their own row or one that belongs to them) and removed (withdrawn
or merged), and claims whose status moved, with the reason recorded."""

import pytest

from incidents.models import Incident
from incidents.services import change_claim_status
from releases.changelog import summary
from releases.services import publish_release
from tests.factories import ClaimFactory, EvidenceFactory, IncidentFactory

from .conftest import SECOND, THIRD, build_public_incident, stored_bytes

pytestmark = pytest.mark.django_db


def test_the_first_release_has_nothing_to_compare_with(published):
    assert published.changelog == {
        "previous": None, "incidents_added": [], "incidents_changed": [], "incidents_removed": [],
        "claim_status_changes": [],
    }
    assert "First release: no earlier release to compare with." in stored_bytes(published, "README.md").decode()


def test_added_changed_removed_and_a_claim_status_change_since_the_previous_release(record, published):
    unchanged = record.public
    edited = build_public_incident(title="Models chose blackmail")
    withdrawn = build_public_incident(title="A report later withdrawn")
    duplicate = build_public_incident(title="The same event, recorded twice")
    moved = ClaimFactory(incident=unchanged, statement="Models blackmailed an executive 79-96% of the time.",
                         status="supported")
    # These belong in the first release: republish it as a base with them.
    base = publish_release(SECOND)
    assert {i["public_id"] for i in base.changelog["incidents_added"]} == {
        edited.public_id, withdrawn.public_id, duplicate.public_id}
    assert [i["public_id"] for i in base.changelog["incidents_changed"]] == [unchanged.public_id]  # a new claim

    added = build_public_incident(title="An agent copied its own weights")
    EvidenceFactory(incident=edited, claim=None, stance="context")  # a row that belongs to `edited`
    Incident.objects.filter(pk=withdrawn.pk).update(is_published=False)
    Incident.objects.filter(pk=duplicate.pk).update(merged_into=edited)
    change_claim_status(moved, "contested", reason="A replication found 40%.")
    third = publish_release(THIRD)

    log = third.changelog
    assert log["previous"] == base.version_name
    assert log["incidents_added"] == [{"public_id": added.public_id, "title": "An agent copied its own weights"}]
    assert [i["public_id"] for i in log["incidents_changed"]] == sorted([edited.public_id, unchanged.public_id])
    assert log["incidents_removed"] == sorted([
        {"public_id": withdrawn.public_id, "title": "A report later withdrawn", "merged_into": None},
        {"public_id": duplicate.public_id, "title": "The same event, recorded twice", "merged_into": edited.public_id},
    ], key=lambda item: item["public_id"])
    assert log["claim_status_changes"] == [{
        "incident": unchanged.public_id, "claim": moved.pk,
        "statement": "Models blackmailed an executive 79-96% of the time.",
        "from_status": "supported", "to_status": "contested", "reason": "A replication found 40%.",
    }]
    assert summary(log) == (f"Since {base.version_name}: 1 incident added, 2 changed, 2 removed; "
                            "1 claim changed status.")
    readme = stored_bytes(third, "README.md").decode()
    assert f"- {added.public_id}: An agent copied its own weights" in readme
    assert f"(merged into {edited.public_id})" in readme and "(withdrawn from publication)" in readme
    assert f"- {unchanged.public_id}, claim {moved.pk} (\"Models blackmailed an executive 79-96% of the time.\"): " \
           "supported to contested. A replication found 40%." in readme


def test_an_unchanged_record_gives_an_empty_changelog_and_a_renamed_organisation_changes_no_incident(published, record):
    organisation = record.public.organisations.first()
    organisation.name = "Renamed Labs"
    organisation.save()
    second = publish_release(SECOND)
    assert second.changelog["incidents_changed"] == []
    assert summary(second.changelog) == f"Since {published.version_name}: 0 incidents added, 0 changed, 0 removed; " \
                                        "no claim changed status."


def test_titles_are_written_in_the_readme_as_text_not_markdown(published):
    IncidentFactory(title="Agent ran `rm -rf` on *prod* [see](http://x)")
    readme = stored_bytes(publish_release(SECOND), "README.md").decode()
    assert r"Agent ran \`rm -rf\` on \*prod\* \[see\](http://x)" in readme


def test_a_row_that_belongs_to_an_incident_through_its_claim_marks_it_changed(record, published):
    from tests.reproductions.factories import HarnessMetricFactory

    HarnessMetricFactory(claim=record.public.claims.first())  # a harness now re-tests the claim
    second = publish_release(SECOND)
    assert [item["public_id"] for item in second.changelog["incidents_changed"]] == [record.public.public_id]
