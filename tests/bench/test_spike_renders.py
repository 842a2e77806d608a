"""bench/spike.py's count of renders per change: which responses rendered,
and which version of the incident each showed."""

from bench.spike import Logged, Renders, log_row, memory_figures, memory_is_flat, renders_per_version

CHANGES = [100.0, 130.0, 160.0]


def test_each_version_rendered_once_counts_one_per_version():
    responses = [
        Logged(101, "page", 200, "MISS", "spike-edit-a-0"),
        Logged(101, "page", 200, "HIT", "spike-edit-a-0"),
        Logged(131, "page", 200, "HIT", "spike-edit-a-1"),
        Logged(129.9, "page", 200, "MISS", "spike-edit-a-1"),  # started before the change, rendered after
        Logged(102, "pdf", 200, "MISS", "sha-0"),
        Logged(140, "pdf", 200, "HIT", "sha-0"),
        Logged(141, "pdf", 200, "MISS", "sha-1"),
    ]
    renders = renders_per_version(responses, CHANGES)
    assert renders["page"] == Renders((1, 1), header_seen=True)
    assert renders["pdf"] == Renders((1, 1), header_seen=True)
    assert renders["page"].exactly_one


def test_two_renders_of_one_version_are_counted():
    responses = [Logged(101, "page", 200, "MISS", "v0"), Logged(102, "page", 200, "MISS", "v0")]
    assert renders_per_version(responses, CHANGES)["page"].counts == (2,)
    assert not renders_per_version(responses, CHANGES)["page"].exactly_one


def test_a_version_served_only_from_the_cache_counts_no_render():
    responses = [Logged(101, "page", 200, "HIT", "v0"), Logged(131, "page", 200, "MISS", "v1")]
    renders = renders_per_version(responses, CHANGES)["page"]
    assert renders.counts == (0, 1)
    assert not renders.exactly_one


def test_without_the_header_every_request_rendered():
    responses = [Logged(101, "page", 200, "", "v0"), Logged(102, "page", 200, "", "v0")]
    renders = renders_per_version(responses, CHANGES)["page"]
    assert renders == Renders((2,), header_seen=False)
    assert "every request rendered" in renders.describe()


def test_failed_responses_are_not_renders():
    responses = [Logged(101, "pdf", 200, "MISS", "sha-0"), Logged(101, "pdf", 503, "", ""), Logged(0, "pdf", 0, "", "")]
    assert renders_per_version(responses, CHANGES)["pdf"].counts == (1,)


def test_a_response_without_version_belongs_to_the_last_change_before_it_started():
    responses = [Logged(129, "page", 200, "MISS", ""), Logged(131, "page", 200, "MISS", ""),
                 Logged(135, "page", 200, "HIT", "")]
    assert renders_per_version(responses, CHANGES)["page"].counts == (1, 1)


def test_a_response_started_at_a_change_belongs_to_that_change():
    responses = [Logged(130.0, "page", 200, "MISS", ""), Logged(131, "page", 200, "HIT", "")]
    assert renders_per_version(responses, CHANGES)["page"].counts == (1,)


def test_nothing_served_is_not_exactly_one():
    assert not Renders((), header_seen=False).exactly_one


class FakeResponse:
    def __init__(self, status_code, headers, content):
        self.status_code, self.headers, self.content = status_code, headers, content


def test_log_row_reads_the_page_marker_and_the_pdf_hash():
    page = FakeResponse(200, {"X-Cache": "HIT"}, b"<p>Summary.</p><p>spike-edit-19af-3</p>")
    pdf = FakeResponse(200, {"X-Cache": "MISS", "X-Content-SHA256": "abc", "Set-Cookie": "x=1"}, b"%PDF spike-edit-1-1")
    assert log_row("page", 12.5, page, None) == ["12.500", "page", 200, "HIT", "spike-edit-19af-3", ""]
    assert log_row("pdf", 12.5, pdf, None) == ["12.500", "pdf", 200, "MISS", "abc", "1"]


def test_log_row_of_a_failure_has_no_version():
    page = FakeResponse(500, {}, b"spike-edit-19af-3")
    assert log_row("page", 1, page, None)[2:5] == [500, "", ""]
    assert log_row("page", 1, page, ConnectionError())[2:5] == [0, "", ""]
    cut_short = FakeResponse(200, {"X-Content-SHA256": "abc"}, b"")
    assert log_row("pdf", 1, cut_short, ConnectionError())[2:5] == [0, "", ""]


def test_memory_is_flat_within_ten_percent():
    start, end, peak = memory_figures([50, 100, 100, 100, 100, 100, 108, 108, 108, 108, 130])
    assert (start, peak) == (100, 130)
    assert memory_is_flat(100, 109.9)
    assert not memory_is_flat(100, 111)
