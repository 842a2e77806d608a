"""Publishing, and changing what the public reads, is an editor's act
(incidents/publishing.py): through the API and in the admin, for every
part of an entry, including is_published and a claim's status."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from api.tokens import issue_token
from incidents.models import Claim, ClaimStatusChange, Evidence, Incident
from incidents.services import change_claim_status
from tests.factories import ClaimFactory, EvidenceFactory, IncidentFactory, SourceFactory

pytestmark = pytest.mark.django_db

PUBLIC = "is public: only an editor can change what the public reads"


def api_as(user):
    api = APIClient()
    _, plain = issue_token(user, "tests")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return api


def new_incident(**fields):
    return {"title": "An agent did something", "slug": "an-agent-did-something", "kind": "incident",
            "summary": "It did.", "severity": 2,
            "setting": "deployment", **fields}


def test_a_contributor_cannot_publish_through_the_api(user_with_role):
    api = api_as(user_with_role("contributor"))
    refused = api.post("/api/v1/incidents/", new_incident(is_published=True), format="json")
    assert refused.status_code == 403 and "Only an editor can publish" in refused.json()["detail"]
    assert not Incident.objects.exists()

    draft = api.post("/api/v1/incidents/", new_incident(is_published=False), format="json")
    assert draft.status_code == 201 and draft.json()["is_published"] is False
    public_id = draft.json()["public_id"]
    assert APIClient().get(f"/api/v1/incidents/{public_id}/").status_code == 404
    # Nor publish it later.
    assert api.patch(f"/api/v1/incidents/{public_id}/", {"is_published": True}, format="json").status_code == 403


def test_a_writer_who_may_change_entries_cannot_withdraw_a_public_one(user_with_role):
    # A site may let a contributor change entries (change_incident) without
    # publishing. Whether the entry is public is read from the stored row,
    # not from the edited copy, which already says "draft".
    writer = user_with_role("contributor")
    writer.user_permissions.add(Permission.objects.get(codename="change_incident"))
    public = IncidentFactory()
    api = api_as(writer)
    refused = api.patch(f"/api/v1/incidents/{public.public_id}/", {"is_published": False}, format="json")
    assert refused.status_code == 403 and "Only an editor can publish" in refused.json()["detail"]
    public.refresh_from_db()
    assert public.is_published
    draft = IncidentFactory(is_published=False)
    assert api.patch(f"/api/v1/incidents/{draft.public_id}/", {"title": "Retitled"}, format="json").status_code == 200


def test_an_editor_publishes_and_withdraws(user_with_role):
    # Publishing needs the OECD mandatory criteria, evidence among them (tests/editorial/test_publish_requires_oecd.py):
    # an entry is created as a draft, given its evidence, then published.
    api = api_as(user_with_role("editor"))
    oecd = {"submitter_type": "editor", "ai_relation": ["use"], "oecd_severity": "incident", "harm_types": ["physical"]}
    assert api.post("/api/v1/incidents/", new_incident(is_published=True, **oecd), format="json").status_code == 400
    created = api.post("/api/v1/incidents/", new_incident(is_published=False, **oecd), format="json")
    assert created.status_code == 201
    public_id = created.json()["public_id"]
    EvidenceFactory(incident=Incident.objects.get(public_id=public_id))
    assert api.patch(f"/api/v1/incidents/{public_id}/", {"is_published": True}, format="json").status_code == 200
    assert api.patch(f"/api/v1/incidents/{public_id}/", {"is_published": False}, format="json").status_code == 200


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/claims/", lambda incident, claim, source: {"incident": incident.public_id, "statement": "It did more."}),
        ("/api/v1/evidence/", lambda incident, claim, source: {
            "incident": incident.public_id, "claim": claim.pk, "source": source.pk, "quote": "the words",
            "locator_type": "page", "locator": "3"}),
    ],
)
def test_a_contributor_adds_to_drafts_but_not_to_public_entries(user_with_role, url, body):
    api = api_as(user_with_role("contributor"))
    source = SourceFactory()
    public = IncidentFactory(is_published=True)
    draft = IncidentFactory(is_published=False)
    refused = api.post(url, body(public, ClaimFactory(incident=public), source), format="json")
    assert refused.status_code == 403 and PUBLIC in refused.json()["detail"]
    assert api.post(url, body(draft, ClaimFactory(incident=draft), source), format="json").status_code == 201


def test_a_contributor_cannot_change_a_public_claims_status(user_with_role):
    claim = ClaimFactory(incident=IncidentFactory(is_published=True), status=Claim.Status.SUPPORTED)
    api = api_as(user_with_role("contributor"))
    response = api.patch(f"/api/v1/claims/{claim.pk}/", {"status": "refuted", "status_note": "I say so."}, format="json")
    assert response.status_code == 403 and PUBLIC in response.json()["detail"]
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUPPORTED and not ClaimStatusChange.objects.exists()


def test_an_editor_changes_a_status_only_with_a_reason(user_with_role):
    claim = ClaimFactory(incident=IncidentFactory(is_published=True), status=Claim.Status.SUPPORTED, status_note="Old.")
    api = api_as(user_with_role("editor"))
    without = api.patch(f"/api/v1/claims/{claim.pk}/", {"status": "contested"}, format="json")
    assert without.status_code == 400 and "status_note" in without.json()["errors"]
    blank = api.patch(f"/api/v1/claims/{claim.pk}/", {"status": "contested", "status_note": " "}, format="json")
    assert blank.status_code == 400
    done = api.patch(f"/api/v1/claims/{claim.pk}/", {"status": "contested", "status_note": "The lab disputes it."},
                     format="json")
    assert done.status_code == 200
    assert ClaimStatusChange.objects.get(claim=claim).reason == "The lab disputes it."


def test_the_service_refuses_a_status_change_without_a_reason():
    claim = ClaimFactory()
    with pytest.raises(ValidationError, match="Say why the status changes"):
        change_claim_status(claim, Claim.Status.CONTESTED, reason="")


def admin_as(user):
    client = Client()
    client.force_login(user)
    return client


def incident_form(**fields):
    data = {
        "title": "A case", "slug": "a-case", "kind": "incident", "status": "reported", "severity": "2",
        "setting": "deployment", "summary": "It happened.", "occurred_precision": "day", "reported_precision": "day",
    }
    for prefix in ("organisation_links", "system_links", "claims", "evidence", "measurements", "relations_from",
                   "external_ids", "attributions"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | fields


def test_a_contributors_admin_entry_is_a_draft_whatever_it_posts(user_with_role):
    admin = admin_as(user_with_role("contributor"))
    page = admin.get("/admin/incidents/incident/add/").content.decode()
    assert 'name="is_published"' not in page  # the editor's field
    response = admin.post("/admin/incidents/incident/add/", incident_form(is_published="on"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Incident.objects.get().is_published is False


def test_a_public_entry_is_read_only_for_a_contributor_in_the_admin(user_with_role):
    incident = IncidentFactory(is_published=True, title="As published")
    admin = admin_as(user_with_role("contributor"))
    url = f"/admin/incidents/incident/{incident.pk}/change/"
    admin.post(url, incident_form(title="Changed by a contributor", slug=incident.slug))
    incident.refresh_from_db()
    assert incident.title == "As published"
    claim = ClaimFactory(incident=incident)
    assert admin.post(f"/admin/incidents/claim/{claim.pk}/change/", {"statement": "Rewritten"}).status_code == 403
    # Adding evidence to it on the evidence page is refused in words.
    page = admin.post("/admin/incidents/evidence/add/", {
        "incident": incident.pk, "claim": claim.pk, "source": SourceFactory().pk, "stance": "supports",
        "basis": "party", "quote": "words", "locator_type": "page", "locator": "1",
    }).content.decode()
    assert PUBLIC in page and not Evidence.objects.exists()


def test_the_admin_offers_a_contributor_no_add_change_or_delete_on_a_public_entrys_parts(user_with_role, rf):
    from django.contrib import admin as django_admin

    from incidents.admin import ClaimInline, EvidenceAdmin, IncidentAdmin

    public, draft = IncidentFactory(), IncidentFactory(is_published=False)
    # A writer a site lets change entries (change_incident), without publishing.
    writer = user_with_role("contributor")
    writer.user_permissions.add(Permission.objects.get(codename="change_incident"))
    request = rf.get("/admin/")
    request.user = writer
    inline = ClaimInline(Incident, django_admin.site)
    entry = IncidentAdmin(Incident, django_admin.site)
    evidence = EvidenceAdmin(Evidence, django_admin.site)
    for allowed in (inline.has_add_permission(request, public), entry.has_change_permission(request, public),
                    evidence.has_change_permission(request, EvidenceFactory(incident=public))):
        assert allowed is False
    assert inline.has_add_permission(request, draft) and entry.has_change_permission(request, draft)
    assert evidence.has_change_permission(request, EvidenceFactory(incident=draft))
    request.user = user_with_role("editor")
    assert inline.has_add_permission(request, public) and entry.has_change_permission(request, public)


def test_an_editor_changes_a_status_in_the_admin_only_with_a_reason(user_with_role):
    claim = ClaimFactory(incident=IncidentFactory(is_published=True), status="supported", status_note="Old.")
    admin = admin_as(user_with_role("editor"))
    form = {"incident": claim.incident.pk, "statement": claim.statement, "status": "contested", "status_note": "Old.",
            "position": 0}
    for prefix in ("evidence", "status_changes"):
        form |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    page = admin.post(f"/admin/incidents/claim/{claim.pk}/change/", form).content.decode()
    assert "Say why the status changes" in page
    claim.refresh_from_db()
    assert claim.status == "supported"
    admin.post(f"/admin/incidents/claim/{claim.pk}/change/", form | {"status_note": "The lab disputes it."})
    claim.refresh_from_db()
    assert claim.status == "contested" and ClaimStatusChange.objects.get().reason == "The lab disputes it."


@pytest.mark.parametrize("role", ["reader", "journalist"])
def test_readers_and_journalists_tokens_never_see_a_draft(role, user_with_role):
    draft = IncidentFactory(is_published=False, title="A draft nobody may see")
    claim = ClaimFactory(incident=draft)
    api = api_as(user_with_role(role))
    assert api.get(f"/api/v1/incidents/{draft.public_id}/").status_code == 404
    assert draft.title not in api.get("/api/v1/incidents/").content.decode()
    assert api.get(f"/api/v1/claims/{claim.pk}/").status_code == 404
    assert claim.statement not in api.get("/api/v1/claims/").content.decode()
    assert draft.title not in api.get("/api/v1/incidents/?format=csv").content.decode()
