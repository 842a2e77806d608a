"""The curated fixtures keep the rules every cited entry must keep, checked over all of them."""

import hashlib
import io
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count

from incidents.confidence import BASIS_RANK, SUPPORTING_BASES, confidence_of, incident_status_for, with_confidence
from incidents.curated import ARCHIVES_DIR, load_curated
from incidents.models import (
    Claim,
    Evidence,
    Incident,
    Measurement,
    Metric,
    Source,
)

pytestmark = pytest.mark.django_db

PUBLIC_ID = re.compile(r"^AIKB-(\d{4})-\d{4,}$")


@pytest.fixture
def curated():
    load_curated(verbosity=0)


def domain_counts():
    return {model.__name__: model.objects.count() for model in apps.get_app_config("incidents").get_models()}


def archived_text(source: Source) -> str:
    return (Path(settings.MEDIA_ROOT) / source.archived_file.name).read_text(encoding="utf-8")


def test_curated_fixtures_load_all_seed_incidents(curated):
    assert Incident.objects.count() >= 7
    assert Claim.objects.exists() and Evidence.objects.exists() and Measurement.objects.exists()


def test_every_claim_has_evidence(curated):
    without = list(Claim.objects.annotate(n=Count("evidence")).filter(n=0).values_list("statement", flat=True))
    assert without == []


def test_every_measurement_has_exactly_one_provenance_on_its_own_incident(curated):
    for measurement in Measurement.objects.select_related("evidence"):
        assert (measurement.evidence_id is None) != (measurement.reproduction_run_id is None), measurement
        if measurement.evidence_id:
            assert measurement.evidence.incident_id == measurement.incident_id, measurement


def test_every_incident_has_at_least_two_distinct_sources(curated):
    for incident in Incident.objects.annotate(sources=Count("evidence__source", distinct=True)):
        assert incident.sources >= 2, incident.public_id


def test_every_incident_is_published_under_the_year_it_was_first_reported(curated):
    for incident in Incident.objects.all():
        assert incident.is_published, incident.public_id
        match = PUBLIC_ID.match(incident.public_id)
        assert match, incident.public_id
        assert incident.reported_on is not None, incident.public_id
        assert int(match.group(1)) == incident.reported_on.year, incident.public_id


def test_every_fixture_object_passes_full_clean(curated):
    for model in apps.get_app_config("incidents").get_models():
        for obj in model.objects.all():
            obj.full_clean()


def test_archived_copies_match_their_recorded_sha256(curated):
    archived = Source.objects.exclude(archived_file="")
    assert archived.count() >= 3
    for source in archived:
        name = Path(source.archived_file.name).name
        for folder in (ARCHIVES_DIR, Path(settings.MEDIA_ROOT) / "archives"):
            digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
            assert digest == source.archived_sha256, f"{folder / name}"
        assert source.archived_at is not None


def test_every_quote_from_an_archived_source_appears_verbatim_at_its_locator(curated):
    quoted = Evidence.objects.exclude(source__archived_file="").select_related("source")
    assert quoted.count() >= 10
    for evidence in quoted:
        text = archived_text(evidence.source)
        assert evidence.quote in text, evidence.quote
        if evidence.locator_type == Evidence.LocatorType.TIMESTAMP:
            lines = [line[len(evidence.locator):] for line in text.split("\n") if line.startswith(evidence.locator)]
            assert any(evidence.quote in line for line in lines), f"{evidence.locator}: {evidence.quote}"
        elif evidence.locator_type == Evidence.LocatorType.PARAGRAPH:
            # "paragraph N" on an archived copy is its Nth non-empty line.
            number = int(re.fullmatch(r"paragraph (\d+)", evidence.locator).group(1))
            paragraphs = [line for line in text.split("\n") if line.strip()]
            assert evidence.quote in paragraphs[number - 1], f"{evidence.locator}: {evidence.quote}"


def test_sources_without_a_url_say_why(curated):
    for source in Source.objects.filter(url=""):
        assert source.archived_file and "URL" in source.notes, source.title


def test_blackmail_rates_are_stored_per_model_for_each_panel(curated):
    metric = Metric.objects.get(slug="blackmail-rate")
    assert (metric.unit, metric.higher_is) == (Metric.Unit.PERCENT, Metric.Direction.WORSE)
    panels = {}
    for measurement in metric.measurements.select_related("evidence"):
        assert measurement.system_id is not None, "a blackmail rate belongs to one model"
        assert measurement.evidence.locator, measurement
        panels.setdefault(measurement.label, []).append(measurement.system_id)
    five = [label for label in panels if label.startswith("5-model panel")]
    sixteen = [label for label in panels if label.startswith("16-model panel (")]
    # Figure 1 repeats Figure 7's runs: only the model it alone gives is stored from it.
    assert len(five) == 1 and len(panels[five[0]]) == 1
    assert len(sixteen) == 1 and len(panels[sixteen[0]]) >= 5
    for label, systems in panels.items():
        assert len(systems) == len(set(systems)), f"one measurement per model in {label}"
    assert metric.measurements.filter(label__in=five + sixteen, sample_size=100).count() == metric.measurements.filter(
        label__in=five + sixteen
    ).count()


def test_spending_ratio_is_flagged_as_a_single_source_estimate(curated):
    measurement = Measurement.objects.get(metric__slug="capability-safety-spending-ratio")
    assert measurement.metric.unit == Metric.Unit.RATIO
    assert measurement.claim.status == Claim.Status.UNVERIFIED
    assert "single-source" in measurement.claim.status_note.lower()
    assert measurement.claim.evidence.values("source").distinct().count() >= 1


def test_self_replication_rates_carry_their_sample_size(curated):
    rates = Measurement.objects.filter(metric__slug="self-replication-success-rate").select_related("system")
    assert {(m.system.name, m.value, m.sample_size) for m in rates} == {
        ("Llama3.1-70B-Instruct", 50, 10),
        ("Qwen2.5-72B-Instruct", 90, 10),
    }


def test_loading_twice_changes_no_counts(curated):
    before = domain_counts()
    load_curated(verbosity=0)
    assert domain_counts() == before


def test_command_skips_when_data_exists_and_force_reloads(curated):
    incident = Incident.objects.order_by("pk").first()
    curated_title = incident.title
    Incident.objects.filter(pk=incident.pk).update(title="Edited locally")
    before = domain_counts()

    out = io.StringIO()
    call_command("load_curated", stdout=out)
    assert "already present" in out.getvalue()
    assert Incident.objects.get(pk=incident.pk).title == "Edited locally"

    call_command("load_curated", "--force", verbosity=0, stdout=io.StringIO())
    assert Incident.objects.get(pk=incident.pk).title == curated_title
    # Fixed primary keys: reloading updates rows instead of adding copies.
    assert {name: n for name, n in domain_counts().items() if not name.startswith("Historical")} == {
        name: n for name, n in before.items() if not name.startswith("Historical")
    }


# The curated data under the confidence ladder (incidents.confidence).


def test_no_claim_is_supported_without_a_quote_that_can_support_it(curated):
    for claim in with_confidence(Claim.objects.filter(status=Claim.Status.SUPPORTED)):
        confidence = confidence_of(claim)
        assert confidence.basis.rank >= 1, claim.statement
        supporting = claim.evidence.filter(stance=Evidence.Stance.SUPPORTS, basis__in=SUPPORTING_BASES)
        # The basis shown is that of a quote the claim really has.
        assert supporting.filter(basis=next(k for k, r in BASIS_RANK.items() if r == confidence.basis.rank)).exists()


def test_quotes_from_commentary_or_relaying_sources_never_count_as_support(curated):
    for evidence in Evidence.objects.select_related("source"):
        if evidence.source.reliability == Source.Reliability.COMMENTARY:
            assert evidence.basis in {Evidence.Basis.COMMENTARY, Evidence.Basis.RELAY}, evidence.pk
        if evidence.source.reliability == Source.Reliability.SECONDARY:
            assert evidence.basis != Evidence.Basis.PARTY, evidence.pk


def test_incident_statuses_follow_the_written_rule(curated):
    for incident in Incident.objects.all():
        claims = with_confidence(incident.claims.all())
        assert incident.status == incident_status_for(incident, claims), incident.public_id


def test_a_developers_own_report_reads_as_its_own_account_only(curated):
    rome = Incident.objects.get(public_id="AIKB-2025-0005")
    levels = {confidence_of(c).level.key for c in with_confidence(rome.claims.all())}
    assert levels == {"own-account"} and rome.status == Incident.Status.REPORTED
    peer = with_confidence(Claim.objects.filter(incident__public_id="AIKB-2025-0001", position=1)).get()
    assert confidence_of(peer).level.key == "peer-reviewed"


def test_figures_belong_to_the_systems_their_claim_is_about(curated):
    for m in Measurement.objects.filter(claim__isnull=False, system__isnull=False).select_related("claim"):
        assert m.claim.systems.filter(pk=m.system_id).exists(), (m.pk, m.label)


def test_no_set_of_runs_is_stored_twice(curated):
    seen = {}
    for m in Measurement.objects.filter(purpose=Measurement.Purpose.PUBLISHED).select_related("evidence"):
        key = (m.metric_id, m.claim_id, m.system_id, m.value, m.evidence.source_id)
        assert key not in seen, f"measurements {seen.get(key)} and {m.pk} repeat one figure"
        seen[key] = m.pk


def test_fine_tunes_are_measured_as_systems_of_their_own(curated):
    figure = Measurement.objects.select_related("system__base_system").get(
        metric__slug="misaligned-answer-rate", value=20, claim__incident__public_id="AIKB-2025-0001"
    )
    assert figure.system.base_system.name == "GPT-4o" and figure.system.name != "GPT-4o"


def test_re_graded_claims_quote_the_parties_own_words(curated):
    def party_quotes(incident, position):
        claim = Claim.objects.get(incident__public_id=incident, position=position)
        return claim.evidence.filter(stance=Evidence.Stance.SUPPORTS, basis=Evidence.Basis.PARTY).select_related("source")

    # ROME: the report itself says the alerts were first treated as an ordinary incident.
    assert any("conventional security incident" in e.quote for e in party_quotes("AIKB-2025-0005", 4))
    # Self-exfiltration: Leike's essay (source 15) for each argument, the review only as context.
    for position in (2, 3, 4):
        quotes = party_quotes("AIKB-2023-0001", position)
        assert quotes and {e.source.title for e in quotes} == {"Self-exfiltration is a key dangerous capability"}
    assert "misalignment" in Evidence.objects.get(pk=44).quote and "misuse" in Evidence.objects.get(pk=44).quote
    # OpenAI's own words for the car-maintenance example; the paper's own words for ten trials.
    assert any(e.source.publisher == "OpenAI" for e in party_quotes("AIKB-2025-0003", 1))
    assert any("ten repetitive trials" in e.quote for e in party_quotes("AIKB-2024-0001", 1))
    # An example answer is context, not support for a rate.
    assert Evidence.objects.get(pk=20).stance == Evidence.Stance.CONTEXT
    assert Evidence.objects.get(pk=49).locator == "introduction (opening paragraph)"


def test_a_year_only_date_keeps_its_precision(curated):
    from incidents.figures import as_of_display

    ratio = Measurement.objects.get(metric__slug="capability-safety-spending-ratio")
    assert as_of_display(ratio) == "2026"
