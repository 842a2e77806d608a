import pytest
from django.core.management import call_command

from incidents.models import Claim, Evidence, Incident, Measurement
from incidents.search import search_incidents
from reproductions.synthetic import delete_synthetic
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_generated_data_is_valid_searchable_and_removable():
    kept = IncidentFactory(slug="real-incident")
    call_command("generate_synthetic", incidents=120, batch_size=50, verbosity=0)
    synthetic = Incident.objects.exclude(pk=kept.pk)
    assert synthetic.count() == 120
    assert Claim.objects.filter(incident__in=synthetic).count() >= 120
    assert not Claim.objects.filter(incident__in=synthetic, evidence__isnull=True).exists()
    assert Measurement.objects.filter(evidence__isnull=False).exists()
    # About one claim in fifty has a finished reproduction run, its measurement and a verdict.
    from reproductions.models import ReproductionRun, Verdict

    runs = ReproductionRun.objects.filter(status="succeeded")
    assert runs.exists()
    assert Verdict.objects.count() == runs.count() == Measurement.objects.filter(reproduction_run__isnull=False).count()
    for measurement in Measurement.objects.filter(reproduction_run__isnull=False)[:5]:
        measurement.full_clean()
    # Identifiers are unique and well-formed; every row obeys model validation.
    for incident in synthetic[:20]:
        incident.full_clean()
    for evidence in Evidence.objects.all()[:50]:
        evidence.full_clean()
    assert Incident.history.filter(history_type="+").count() >= 120
    assert search_incidents(Incident.objects.all(), "blackmail").exists()
    delete_synthetic()
    assert list(Incident.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not ReproductionRun.objects.exists()


def test_later_incidents_do_not_reuse_synthetic_ids():
    call_command("generate_synthetic", incidents=30, verbosity=0)
    ids = set(Incident.objects.values_list("public_id", flat=True))
    new = IncidentFactory()
    assert new.public_id not in ids


def test_incidents_keep_to_their_topic_so_a_topical_search_is_narrow():
    """A search for one behaviour finds the incidents about it (named in
    their titles) and few others, as in real data; general words are in
    nearly every incident."""
    from reproductions.synthetic import BEHAVIOURS

    call_command("generate_synthetic", incidents=600, batch_size=300, no_history=True, verbosity=0)
    everything = Incident.objects.all()
    total = everything.count()
    for behaviour in ["blackmail", "sabotage", "cryptocurrency mining"]:
        about = set(everything.filter(title__icontains=f": {behaviour} ").values_list("pk", flat=True))
        found = set(search_incidents(everything, f'"{behaviour}"').values_list("pk", flat=True))
        assert about and about <= found
        assert len(found) < 2 * len(about) + 10, (behaviour, len(about), len(found))
        assert len(found) < 0.2 * total
    general = search_incidents(everything, "agent OR model").count()
    assert general > 0.8 * total
    assert len(BEHAVIOURS) >= 10
