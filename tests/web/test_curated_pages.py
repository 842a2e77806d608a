"""The curated seed data renders on every page that shows it: the real
content (long quotes, ranges, ratios, archived copies) is what policymakers
will read first."""

import pytest

from incidents.curated import load_curated
from incidents.models import AISystem, Incident, Metric, Organisation, Source, TaxonomyTerm

pytestmark = pytest.mark.django_db


@pytest.fixture
def curated(client):
    client.raise_request_exception = True
    load_curated(verbosity=0)


def test_curated_data_renders_everywhere_with_the_key_metrics_on_the_home_page(client, curated):
    """(The curated checks share one load of the fixtures: it takes seconds.)"""
    page = client.get("/").content.decode()
    metrics = page.split('id="metrics-heading"')[1].split("</section>")[0]
    blackmail = Metric.objects.get(slug="blackmail-rate")
    gap = Metric.objects.get(slug="capability-safety-spending-ratio")
    assert metrics.index(blackmail.name) < metrics.index(gap.name)  # the named key metrics come first
    assert ":1</strong>" in metrics  # the ratio is shown as a ratio
    assert "badge--level-" in metrics  # with how sure we are of its claim

    # The spending gap is a single-source estimate: its figure says so
    # wherever it appears, and its date is a year, not 1 January.
    page = client.get(gap.get_absolute_url()).content.decode()
    assert page.count("badge--level-unverified") >= 1 and "chart__level--neutral" in page
    assert "<td>2026</td>" in page and "1 Jan 2026" not in page and "1 January 2026" not in page

    # A typo in a curated organisation's name still finds its incident.
    page = client.get("/incidents/?q=alibba").content.decode()
    alibaba = Organisation.objects.get(slug="alibaba-group")
    assert Incident.objects.filter(organisations=alibaba, is_published=True).first().title in page

    # And every page of the curated data renders.
    urls = ["/", "/incidents/", "/methodology/", "/feeds/incidents.atom"]
    urls += [i.get_absolute_url() for i in Incident.objects.filter(is_published=True, merged_into=None)]
    urls += [s.get_absolute_url() for s in Source.objects.all()]
    urls += [o.get_absolute_url() for o in Organisation.objects.all()]
    urls += [s.get_absolute_url() for s in AISystem.objects.all()]
    urls += [t.get_absolute_url() for t in TaxonomyTerm.objects.all()]
    urls += [m.get_absolute_url() for m in Metric.objects.all()]
    assert len(urls) > 20
    failures = {url: client.get(url).status_code for url in urls}
    assert {url: code for url, code in failures.items() if code != 200} == {}

