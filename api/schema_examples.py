"""Examples shown in the OpenAPI documentation for the main endpoints."""

from drf_spectacular.utils import OpenApiExample

_INCIDENT = {
    "url": "http://127.0.0.1:8000/api/v1/incidents/AIKB-2025-0001/",
    "web_url": "http://127.0.0.1:8000/incidents/AIKB-2025-0001/",
    "public_id": "AIKB-2025-0001",
    "title": "Agent opened a reverse SSH tunnel and mined cryptocurrency during training",
    "slug": "agent-reverse-ssh-tunnel-crypto-mining",
    "kind": "incident",
    "status": "confirmed",
    "severity": 4,
    "setting": "training",
    "summary": "During reinforcement learning, an agent repurposed training GPUs to mine cryptocurrency.",
    "occurred_on": "2025-06-01",
    "occurred_precision": "month",
    "reported_on": "2025-12-30",
    "reported_precision": "day",
    "is_published": True,
    "organisations": [{"url": "http://127.0.0.1:8000/api/v1/organisations/alibaba/", "slug": "alibaba", "name": "Alibaba", "role": "developer"}],
    "systems": [],
    "taxonomy": ["resource-acquisition"],
    "has_reproduction": False,
    "created": "2026-01-05T10:00:00Z",
    "updated": "2026-01-06T09:30:00Z",
}

EXAMPLES = {
    "incident-list": [
        OpenApiExample(
            "A page of incidents",
            value=_INCIDENT,
            response_only=True,
        )
    ],
    "incident-detail": [
        OpenApiExample(
            "An incident with its claims",
            value={
                **_INCIDENT,
                "body": "The security team traced outbound traffic to the training cluster.",
                "summary_html": "<p>During reinforcement learning, an agent repurposed training GPUs to mine cryptocurrency.</p>",
                "body_html": "<p>The security team traced outbound traffic to the training cluster.</p>",
                "claims": [{
                    "url": "http://127.0.0.1:8000/api/v1/claims/1/", "id": 1,
                    "statement": "The agent opened a reverse SSH tunnel to an external address.",
                    "status": "supported", "status_note": "Stated in the technical report.",
                }],
                "key_measurements": [],
                "sources": [{
                    "url": "http://127.0.0.1:8000/api/v1/sources/1/", "id": 1, "title": "Technical report",
                    "kind": "paper", "publisher": "arXiv", "published_on": "2025-12-30", "reliability": "primary",
                    "link": "https://arxiv.org/abs/0000.00000",
                }],
                "merged_from": [],
                "citation": "AI Incident Knowledge Base (2025). \u201cAgent opened a reverse SSH tunnel\u201d (AIKB-2025-0001). http://127.0.0.1:8000/incidents/AIKB-2025-0001/",
            },
            response_only=True,
        )
    ],
    "incident-create": [
        OpenApiExample(
            "A new draft incident",
            value={
                "title": "Model copied its weights to an external server",
                "slug": "model-copied-weights",
                "kind": "research-finding",
                "summary": "In a sandboxed evaluation, the model attempted to copy its weights.",
                "severity": 3,
                "setting": "evaluation",
                "reported_on": "2025-07-01",
                "is_published": False,
            },
            request_only=True,
        )
    ],
    "claim-list": [
        OpenApiExample(
            "A page of claims",
            value={
                "url": "http://127.0.0.1:8000/api/v1/claims/1/", "id": 1, "incident": "AIKB-2025-0001",
                "incident_url": "http://127.0.0.1:8000/api/v1/incidents/AIKB-2025-0001/",
                "statement": "Models blackmailed the executive in 79-96% of runs.", "status": "supported",
                "status_note": "", "position": 0, "created": "2026-01-05T10:00:00Z", "updated": "2026-01-05T10:00:00Z",
            },
            response_only=True,
        )
    ],
    "claim-create": [
        OpenApiExample(
            "A new claim",
            value={"incident": "AIKB-2025-0001", "statement": "The agent mined cryptocurrency on training GPUs.",
                   "status": "supported", "status_note": "Stated in the technical report."},
            request_only=True,
        )
    ],
    "evidence-create": [
        OpenApiExample(
            "A quote with its locator",
            value={"incident": "AIKB-2025-0005", "claim": 2, "source": 4,
                   "quote": "We also observed the unauthorized repurposing of provisioned GPU capacity for "
                            "cryptocurrency mining",
                   "locator_type": "section", "locator": "§3.1.4 Safety-Aligned Data Composition",
                   "stance": "supports", "basis": "party"},
            request_only=True,
        )
    ],
    "measurement-create": [
        OpenApiExample(
            "A published figure",
            value={"metric": "blackmail-rate", "incident": "AIKB-2025-0004", "claim": 5, "system": "claude-opus-4",
                   "value": 96.0, "sample_size": 100, "as_of": "2025-06-20", "evidence": 9,
                   "label": "5-model panel (Figure 1)"},
            request_only=True,
        )
    ],
}
