"""A realistic synthetic dataset for benchmarks and scale tests.

It lives here, above incidents, because it writes both apps' rows.

Incidents come with claims, sources, evidence, measurements, organisation and
system links, taxonomy terms, revisions and (for about one claim in fifty)
a finished reproduction run with its measurement and verdict, in proportions
like the curated data. Their text is drawn from the vocabulary of the field,
each incident keeping to its own behaviour (blackmail, sabotage...) as real
reports do, so that a search finds a share of incidents like the one it
would find in real data, not half of them. Rows are written with bulk inserts in batches; search vectors
are computed once per batch in SQL.

Synthetic incidents are marked by a slug starting with `synthetic-`, so
`delete_synthetic()` removes them and nothing else.
"""

import datetime
import random
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from incidents import generations
from incidents.identifiers import format_public_id
from incidents.models import (
    AISystem,
    Claim,
    Evidence,
    Incident,
    IncidentOrganisation,
    IncidentSystem,
    Measurement,
    Metric,
    Organisation,
    PublicIdCounter,
    Source,
    TaxonomyTerm,
    basis_from_reliability,
)
from incidents.search import refresh_search_vectors

from .models import Harness, ReproductionRun, Verdict

SLUG_PREFIX = "synthetic-"

ORGANISATIONS = [
    "Alibaba", "Anthropic", "OpenAI", "Google DeepMind", "Meta", "Mistral AI", "xAI", "DeepSeek", "Fudan University",
    "Truthful AI", "Apollo Research", "METR", "Redwood Research", "UK AI Security Institute", "Microsoft",
    "Amazon", "Baidu", "Tencent", "Zhipu AI", "Moonshot AI", "Cohere", "Stability AI", "Hugging Face", "Nvidia",
]
SYSTEM_FAMILIES = [
    ("Qwen", "Alibaba"), ("Claude", "Anthropic"), ("GPT", "OpenAI"), ("Gemini", "Google DeepMind"),
    ("Llama", "Meta"), ("Mistral", "Mistral AI"), ("Grok", "xAI"), ("DeepSeek", "DeepSeek"), ("Phi", "Microsoft"),
    ("Command", "Cohere"), ("ERNIE", "Baidu"), ("GLM", "Zhipu AI"), ("Kimi", "Moonshot AI"),
]
BEHAVIOURS = [
    "resource acquisition", "unauthorised network egress", "deception", "blackmail", "self-exfiltration",
    "self-replication", "sabotage", "reward hacking", "emergent misalignment", "sandbagging", "data leakage",
    "privilege escalation", "cryptocurrency mining", "reverse SSH tunnel", "oversight subversion",
]
SETTINGS_PHRASES = {
    "training": ["during reinforcement learning", "on a training cluster", "while fine-tuning", "in a pre-training run"],
    "evaluation": ["in a simulated company", "in a red-team evaluation", "in a sandboxed agentic benchmark",
                   "under a capability evaluation"],
    "deployment": ["in a customer deployment", "in a coding assistant", "in a browser agent", "in production traffic"],
}
NOUNS = [
    "agent", "model", "operator", "firewall", "GPU", "container", "shell", "credential", "executive", "email",
    "memory", "weights", "server", "grader", "benchmark", "policy", "reward", "scaffold", "tool call", "log",
    "sandbox", "network", "budget", "monitor", "transcript", "evaluator", "dataset", "checkpoint", "API key",
]
# General verbs only: one that names a behaviour ("sabotaged") would put
# that behaviour's word in half of all incidents.
VERBS = [
    "opened", "copied", "disabled", "concealed", "threatened", "modified", "bypassed", "diverted", "misreported",
    "escalated", "probed", "deleted", "redirected", "overwrote", "renamed", "scheduled", "inspected",
]
OUTCOMES = [
    "without being prompted to do so", "despite explicit instructions", "when told it would be replaced",
    "to finish its assigned task faster", "after narrow fine-tuning", "under resource pressure",
    "while its reasoning described the action as necessary", "and the security team traced it through the logs",
]
PUBLISHERS = ["arXiv", "Financial Times", "The Guardian", "Reuters", "Anthropic", "OpenAI", "LessWrong", "Wired",
              "Nature", "MIT Technology Review", "Company blog", "Podcast"]


@dataclass
class SyntheticCounts:
    incidents: int = 0
    claims: int = 0
    sources: int = 0
    evidence: int = 0
    measurements: int = 0
    runs: int = 0


def _sentence(rng: random.Random, setting: str, behaviour: str) -> str:
    return (
        f"The {rng.choice(NOUNS)} {rng.choice(VERBS)} the {rng.choice(NOUNS)} "
        f"{rng.choice(SETTINGS_PHRASES[setting])}, a case of {behaviour}, {rng.choice(OUTCOMES)}."
    )


# How often a sentence of an incident mentions another behaviour than its own.
# Incidents stay on their topic, as real ones do: in the AVID, ATLAS and MIT
# data under shared/data, a topical word such as "blackmail", "sabotage" or
# "tunnel" is in at most a few percent of entries, while general words
# ("model", "evaluation") are in a third to a half.
ASIDE_RATE = 0.05


def _mentioned(rng: random.Random, behaviour: str) -> str:
    """The behaviour a sentence of an incident about `behaviour` names."""
    return rng.choice(BEHAVIOURS) if rng.random() < ASIDE_RATE else behaviour


def _reference_data(rng: random.Random):
    """Organisations, systems, terms and metrics shared by all synthetic incidents."""
    orgs = {}
    for name in ORGANISATIONS:
        org, _ = Organisation.objects.get_or_create(
            name=name, defaults={"slug": f"{SLUG_PREFIX}{name.lower().replace(' ', '-')}", "kind": "lab"}
        )
        orgs[name] = org
    systems = []
    for family, developer in SYSTEM_FAMILIES:
        for version in ("1", "2", "2.5", "3", "4"):
            system, _ = AISystem.objects.get_or_create(
                name=f"{family} {version}",
                version="",
                defaults={
                    "slug": f"{SLUG_PREFIX}{family.lower()}-{version.replace('.', '-')}",
                    "family": family,
                    "developer": orgs[developer],
                },
            )
            systems.append(system)
    terms = list(TaxonomyTerm.objects.all())
    if not terms:
        for behaviour in BEHAVIOURS:
            term, _ = TaxonomyTerm.objects.get_or_create(
                slug=f"{SLUG_PREFIX}{behaviour.replace(' ', '-')}",
                defaults={"scheme": "behaviour", "name": behaviour.capitalize()},
            )
            terms.append(term)
    metrics = []
    for name, unit in [("Synthetic blackmail rate", "percent"), ("Synthetic egress attempt rate", "percent"),
                       ("Synthetic misaligned answer rate", "percent")]:
        metric, _ = Metric.objects.get_or_create(
            name=name, defaults={"slug": f"{SLUG_PREFIX}{name.lower().replace(' ', '-')}", "unit": unit,
                                 "higher_is": "worse"}
        )
        metrics.append(metric)

    harness, _ = Harness.objects.get_or_create(
        slug=f"{SLUG_PREFIX}harness",
        defaults={"name": "Synthetic harness", "task": "inspect_evals/agentic_misalignment", "task_version": "1"},
    )
    return orgs, systems, terms, metrics, harness


def _next_numbers(year_counts: dict[int, int]) -> dict[int, int]:
    """Reserve identifier numbers per year; returns the first free number of each year."""
    first = {}
    for year, count in year_counts.items():
        counter, _ = PublicIdCounter.objects.select_for_update().get_or_create(year=year)
        highest = (
            Incident.objects.filter(public_id__startswith=f"AIKB-{year}-")
            .order_by("-public_id")
            .values_list("public_id", flat=True)
            .first()
        )
        start = max(counter.last_number, int(highest.rsplit("-", 1)[1]) if highest else 0) + 1
        first[year] = start
        counter.last_number = start + count - 1
        counter.save(update_fields=["last_number"])
    return first


@transaction.atomic
def generate_batch(rng: random.Random, size: int, reference, counts: SyntheticCounts, with_history: bool) -> None:
    """Write one batch of `size` incidents and everything that hangs off them."""
    orgs, systems, terms, metrics, harness = reference
    kinds = ["incident"] * 5 + ["research-finding"] * 4 + ["hazard"]
    planned = []
    for _ in range(size):
        setting = rng.choice(list(SETTINGS_PHRASES))
        behaviour = rng.choice(BEHAVIOURS)
        org_name = rng.choice(ORGANISATIONS)
        reported = datetime.date(2018, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 8))
        planned.append((setting, behaviour, org_name, reported))
    year_counts: dict[int, int] = {}
    for *_, reported in planned:
        year_counts[reported.year] = year_counts.get(reported.year, 0) + 1
    next_number = _next_numbers(year_counts)

    incidents = []
    for setting, behaviour, org_name, reported in planned:
        number = next_number[reported.year]
        next_number[reported.year] += 1
        public_id = format_public_id(reported.year, number)
        occurred = reported - datetime.timedelta(days=rng.randrange(0, 120))
        incidents.append(
            Incident(
                public_id=public_id,
                title=f"{org_name} system: {behaviour} {rng.choice(SETTINGS_PHRASES[setting])}",
                slug=f"{SLUG_PREFIX}{public_id.lower()}",
                kind=rng.choice(kinds),
                summary=" ".join(_sentence(rng, setting, behaviour) for _ in range(2)),
                body="\n\n".join(
                    _sentence(rng, setting, _mentioned(rng, behaviour)) for _ in range(rng.randint(3, 8))
                ),
                occurred_on=occurred.replace(day=1),
                occurred_precision="month",
                reported_on=reported,
                reported_precision="day",
                status=rng.choice(["reported", "reported", "confirmed", "disputed"]),
                severity=rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5]),
                setting=setting,
                is_published=rng.random() < 0.97,
            )
        )
    Incident.objects.bulk_create(incidents, batch_size=1000)
    counts.incidents += len(incidents)

    sources = [
        Source(
            kind=rng.choice(["paper", "article", "transcript", "post", "log", "dataset"]),
            title=f"On {rng.choice(BEHAVIOURS)} by {rng.choice(NOUNS)}s: {rng.choice(OUTCOMES)}",
            url=f"https://example.org/synthetic/{rng.getrandbits(48):x}",
            publisher=rng.choice(PUBLISHERS),
            authors=[f"Author {rng.randrange(1000)}"],
            published_on=datetime.date(2018, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 8)),
            reliability=rng.choice(["primary", "secondary", "commentary"]),
        )
        for _ in range(max(1, size * 3 // 2))
    ]
    Source.objects.bulk_create(sources, batch_size=1000)
    counts.sources += len(sources)

    org_links, system_links, term_links, claims = [], [], [], []
    through = Incident.taxonomy.through
    for incident, (setting, behaviour, org_name, _) in zip(incidents, planned):
        org_links.append(IncidentOrganisation(incident=incident, organisation=orgs[org_name], role="developer"))
        for system in rng.sample(systems, rng.randint(1, 3)):
            system_links.append(IncidentSystem(incident=incident, system=system, role="actor"))
        for term in rng.sample(terms, min(len(terms), rng.randint(1, 3))):
            term_links.append(through(incident_id=incident.pk, taxonomyterm_id=term.pk))
        for position in range(rng.randint(1, 4)):
            claims.append(
                Claim(
                    incident=incident,
                    statement=_sentence(rng, setting, behaviour),
                    status=rng.choice(["unverified", "supported", "supported", "contested", "refuted"]),
                    position=position,
                )
            )
    IncidentOrganisation.objects.bulk_create(org_links, batch_size=2000)
    IncidentSystem.objects.bulk_create(system_links, batch_size=2000)
    through.objects.bulk_create(term_links, batch_size=2000)
    Claim.objects.bulk_create(claims, batch_size=2000)
    counts.claims += len(claims)

    behaviour_of = {incident.pk: behaviour for incident, (_, behaviour, *_) in zip(incidents, planned)}
    evidence = []
    for claim in claims:
        for _ in range(rng.randint(1, 2)):
            evidence.append(
                Evidence(
                    incident_id=claim.incident_id,
                    claim=claim,
                    source=(source := rng.choice(sources)),
                    basis=basis_from_reliability(source.reliability),
                    quote=_sentence(
                        rng, rng.choice(list(SETTINGS_PHRASES)), _mentioned(rng, behaviour_of[claim.incident_id])
                    ),
                    locator_type=rng.choice(["page", "section", "timestamp"]),
                    locator="",
                )
            )
    for item in evidence:
        item.locator = (
            f"00:{rng.randrange(60):02d}:{rng.randrange(60):02d}" if item.locator_type == "timestamp"
            else str(rng.randint(1, 40))
        )
    Evidence.objects.bulk_create(evidence, batch_size=2000)
    counts.evidence += len(evidence)

    measurements = []
    for item in evidence:
        if rng.random() < 0.25:
            value = round(rng.uniform(1, 99), 1)
            spread = rng.uniform(0.5, 8)
            measurements.append(
                Measurement(
                    metric=rng.choice(metrics),
                    incident_id=item.incident_id,
                    claim_id=item.claim_id,
                    system=rng.choice(systems),
                    value=value,
                    lower=max(0.0, round(value - spread, 1)),
                    upper=min(100.0, round(value + spread, 1)),
                    sample_size=rng.choice([10, 50, 100, 200, 500]),
                    as_of=datetime.date(2018, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 8)),
                    evidence=item,
                )
            )
    Measurement.objects.bulk_create(measurements, batch_size=2000)
    counts.measurements += len(measurements)
    runs = _reproductions(rng, claims, harness, metrics, systems)
    counts.runs += runs
    counts.measurements += runs

    if with_history:
        _bulk_history(incidents)
    refresh_search_vectors([incident.pk for incident in incidents])


def _reproductions(rng: random.Random, claims, harness, metrics, systems) -> int:
    """A finished run, its measurement and its verdict for about one claim in
    fifty, as the GPU workers would have left them. Returns the measurements added."""

    tested = [claim for claim in claims if rng.random() < 0.02]
    if not tested:
        return 0
    finished = timezone.now() - datetime.timedelta(days=rng.randrange(1, 400))
    runs = ReproductionRun.objects.bulk_create(
        [
            ReproductionRun(
                harness=harness, status="succeeded", purpose="reproduction", triggered_by="schedule",
                samples_total=100, samples_done=100, started_at=finished - datetime.timedelta(minutes=40),
                finished_at=finished, device="cuda:0", gpu_name="NVIDIA H100 80GB HBM3", batch_size=64,
                total_tokens=rng.randint(50_000, 400_000),
            )
            for _ in tested
        ]
    )
    measurements = []
    for claim, run in zip(tested, runs):
        value = round(rng.uniform(1, 99), 1)
        measurements.append(
            Measurement(
                metric=rng.choice(metrics), incident_id=claim.incident_id, claim_id=claim.pk,
                system=rng.choice(systems), value=value, lower=max(0.0, value - 5), upper=min(100.0, value + 5),
                sample_size=100, as_of=finished.date(), reproduction_run=run,
                purpose=Measurement.Purpose.REPRODUCTION,
            )
        )
    Measurement.objects.bulk_create(measurements)
    Verdict.objects.bulk_create(
        [
            Verdict(run=run, claim=claim, measurement=measurement,
                    outcome=rng.choice(["consistent", "consistent", "inconsistent", "inconclusive"]),
                    reason="Synthetic verdict against the published figure.")
            for claim, run, measurement in zip(tested, runs, measurements)
        ]
    )
    return len(measurements)


def _bulk_history(incidents) -> None:
    """One 'created' revision per incident, as simple-history would have written."""

    History = Incident.history.model
    recorded = {field.attname for field in History._meta.concrete_fields}
    now = timezone.now()
    rows = []
    for incident in incidents:
        fields = {
            field.attname: getattr(incident, field.attname)
            for field in Incident._meta.concrete_fields
            if field.attname in recorded
        }
        rows.append(History(**fields, history_date=now, history_type="+", history_change_reason="synthetic"))
    History.objects.bulk_create(rows, batch_size=2000)


def generate_synthetic(total: int, batch_size: int = 2000, seed: int = 20251230, with_history: bool = True,
                       progress=None) -> SyntheticCounts:
    """Create `total` synthetic incidents in batches; `progress(n)` is called after each batch."""
    rng = random.Random(seed + Incident.objects.filter(slug__startswith=SLUG_PREFIX).count())
    with transaction.atomic():
        reference = _reference_data(rng)
    counts = SyntheticCounts()
    remaining = total
    while remaining > 0:
        size = min(batch_size, remaining)
        generate_batch(rng, size, reference, counts, with_history)
        remaining -= size
        if progress:
            progress(size)
    # Bulk inserts skip the signals that start a new facet-count generation.
    generations.invalidate()
    # Fresh statistics for the planner. Outside a transaction also compact
    # the incidents table (each batch inserted its rows, then rewrote them
    # with their search vectors, leaving the table twice its size for every
    # scan to read) and VACUUM, which sets the visibility map so index-only
    # scans serve the facet counts at once (autovacuum would get there later).
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute("ANALYZE")
        else:
            cursor.execute(f"VACUUM FULL {Incident._meta.db_table}")
            cursor.execute("VACUUM (ANALYZE)")
    return counts


@transaction.atomic
def delete_synthetic() -> int:
    """Remove every synthetic incident and the sources and measurements only they used."""
    incidents = Incident.objects.filter(slug__startswith=SLUG_PREFIX)
    source_ids = list(Evidence.objects.filter(incident__in=incidents).values_list("source_id", flat=True).distinct())
    Measurement.objects.filter(incident__in=incidents).delete()
    Evidence.objects.filter(incident__in=incidents).delete()
    deleted, _ = incidents.delete()

    ReproductionRun.objects.filter(harness__slug=f"{SLUG_PREFIX}harness").delete()
    Source.objects.filter(pk__in=source_ids, evidence__isnull=True).delete()
    return deleted
