import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.web.conftest import make_verdict
from tests.web.test_query_budgets import page_urls

@pytest.mark.django_db
def test_counts(client, many_rich_incidents):
    incidents = many_rich_incidents(1)
    make_verdict(incidents[0].claims.first())
    res1 = {}
    for name, url in page_urls(incidents[0]).items():
        with CaptureQueriesContext(connection) as c:
            assert client.get(url).status_code == 200
        res1[name] = len(c)
        if name == "search":
            for q in c.captured_queries: print(q["sql"][:150])
    more = many_rich_incidents(5)
    for i in more: make_verdict(i.claims.first())
    for name, url in page_urls(incidents[0]).items():
        with CaptureQueriesContext(connection) as c:
            client.get(url)
        print(name, res1[name], len(c))
