import pytest
from django.contrib.postgres.search import SearchQuery

from incidents.models import Incident
from tests.factories import EvidenceFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def matches(text):
    return set(
        Incident.objects.filter(search_vector=SearchQuery(text, config="english")).values_list("pk", flat=True)
    )


def test_saving_an_incident_refreshes_its_stored_vector(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = IncidentFactory(title="Odd traffic from a training cluster")
    assert matches("cluster") == {incident.pk}
    with django_capture_on_commit_callbacks(execute=True):
        incident.title = "Cryptocurrency miner on training GPUs"
        incident.save()
    assert matches("cluster") == set()
    assert matches("miner") == {incident.pk}


def test_evidence_quotes_are_searchable(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        evidence = EvidenceFactory(quote="the firewall flagged a burst of security-policy violations")
    assert matches("firewall") == {evidence.incident_id}
    with django_capture_on_commit_callbacks(execute=True):
        evidence.delete()
    assert matches("firewall") == set()


def test_title_ranks_above_body(django_capture_on_commit_callbacks):
    from django.contrib.postgres.search import SearchRank
    from django.db.models import F

    with django_capture_on_commit_callbacks(execute=True):
        in_title = IncidentFactory(title="Blackmail in a simulated company", body="Other words.")
        in_body = IncidentFactory(title="Unrelated heading", body="The model resorted to blackmail.")
    ranked = list(
        Incident.objects.filter(search_vector=SearchQuery("blackmail"))
        .annotate(rank=SearchRank(F("search_vector"), SearchQuery("blackmail")))
        .order_by("-rank")
        .values_list("pk", flat=True)
    )
    assert ranked == [in_title.pk, in_body.pk]


def test_typo_in_an_organisation_name_still_finds_the_incident(django_capture_on_commit_callbacks):
    from incidents.search import search_incidents
    from tests.factories import IncidentOrganisationFactory, OrganisationFactory

    with django_capture_on_commit_callbacks(execute=True):
        link = IncidentOrganisationFactory(organisation=OrganisationFactory(name="Alibaba"))
        IncidentFactory(title="Something else entirely")
    found = list(search_incidents(Incident.objects.all(), "alibba").values_list("pk", flat=True))
    assert found == [link.incident_id]


@pytest.mark.parametrize("text", ["x" * 10_000, "\x00\x1f\u202e drop table", "'\"()&|!:*<>", "    "])
def test_hostile_search_strings_do_not_break_the_query(text):
    from incidents.search import search_incidents

    IncidentFactory()
    list(search_incidents(Incident.objects.all(), text))  # must not raise


def test_several_words_rank_by_how_often_they_occur_not_how_close(django_capture_on_commit_callbacks):
    """Ranking by proximity compared every position of each word with every
    other's (most of a multi-word search's time at 100,000 incidents); the
    words are ranked by frequency and place instead (see rank_query)."""
    import datetime

    from incidents.search import search_incidents

    filler = "Nothing of note happened on the cluster that day. " * 6
    with django_capture_on_commit_callbacks(execute=True):
        twice = IncidentFactory(
            title="Unrelated heading", body="Other words.", reported_on=datetime.date(2020, 1, 1),
            summary=f"A reverse proxy came first. {filler} The agent opened SSH to a host. {filler} It dug a tunnel. "
                    f"{filler} Reverse order. {filler} SSH again. {filler} Another tunnel.",
        )
        once_adjacent = IncidentFactory(
            title="Another heading", body="Other words.", reported_on=datetime.date(2025, 1, 1),
            summary="The agent opened a reverse SSH tunnel to an outside host.",
        )
        IncidentFactory(title="Reverse proxy only", summary="No secure shell here.", body="Other words.")
    ranked = list(search_incidents(Incident.objects.all(), "reverse SSH tunnel")
                  .order_by("-rank", "-reported_on").values_list("pk", flat=True))
    assert ranked == [twice.pk, once_adjacent.pk]


def test_a_repeated_search_asks_the_database_nothing_before_its_ranking(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    # Which names are similar, and whether any incident has the words, are
    # remembered for the data's generation: every page, sort and filter of
    # a search asked them again (4-12 ms a request at 100,000 incidents).
    from incidents.search import search_incidents
    from tests.factories import IncidentOrganisationFactory, OrganisationFactory

    with django_capture_on_commit_callbacks(execute=True):
        link = IncidentOrganisationFactory(organisation=OrganisationFactory(name="Alibaba"))
        IncidentFactory(title="Alibaba cloud agent mines cryptocurrency")
    first = list(search_incidents(Incident.objects.all(), "alibaba").values_list("pk", flat=True))
    with django_assert_num_queries(0):
        searched = search_incidents(Incident.objects.all(), "alibaba")
    assert sorted(searched.values_list("pk", flat=True)) == sorted(first)
    assert link.incident_id in first


def test_remembered_answers_follow_changes_to_the_data(django_capture_on_commit_callbacks):
    from incidents.search import refresh_search_vectors, search_incidents
    from tests.factories import IncidentOrganisationFactory, OrganisationFactory

    with django_capture_on_commit_callbacks(execute=True):
        incident = IncidentFactory(title="Agent copies its weights", body="Nothing about the word yet.")
        IncidentOrganisationFactory(organisation=OrganisationFactory(name="Northwind Labs"))

    def found(text):
        return set(search_incidents(Incident.objects.all(), text).values_list("pk", flat=True))

    assert found("zeppelin") == set()
    # A write that skips the model's signals, then the vector refresh the
    # signals would have run: the refresh alone must make the word findable.
    Incident.objects.filter(pk=incident.pk).update(body="The agent hid in a zeppelin hangar.")
    refresh_search_vectors([incident.pk])
    assert found("zeppelin") == {incident.pk}

    # A renamed organisation is matched by its new name at once.
    assert incident.pk not in found("quillfeather")
    with django_capture_on_commit_callbacks(execute=True):
        IncidentOrganisationFactory(incident=incident, organisation=OrganisationFactory(name="Acme"))
    organisation = incident.organisations.get(name="Acme")
    organisation.name = "Quillfeather"
    organisation.save()
    assert incident.pk in found("quillfeather")
