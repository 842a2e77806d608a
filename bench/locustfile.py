"""The load mix of bench/load.py: journalists and policymakers searching,
listing, reading incidents and exporting CSV. Public identifiers to read come
from the file named by AIKB_LOAD_IDS (one per line)."""

import os
import random

from locust import HttpUser, constant, task

PUBLIC_IDS = [line.strip() for line in open(os.environ["AIKB_LOAD_IDS"]) if line.strip()]
SEARCH_TERMS = ["alibaba", "blackmail", "reverse ssh tunnel", "self-replication", "reward hacking", "deception",
                "cryptocurrency mining", "emergent misalignment", "sandbox", "firewall", "alibba", "exfiltrated"]
FACETS = ["kind=incident", "status=confirmed", "severity=4", "setting=training", "kind=research-finding"]


class Reader(HttpUser):
    wait_time = constant(0)

    @task(3)
    def web_search(self):
        self.client.get(f"/incidents/?q={random.choice(SEARCH_TERMS)}", name="web search")

    @task(2)
    def web_list(self):
        self.client.get(f"/incidents/?{random.choice(FACETS)}&page={random.randint(1, 20)}", name="web list")

    @task(3)
    def web_detail(self):
        self.client.get(f"/incidents/{random.choice(PUBLIC_IDS)}/", name="web incident")

    @task(2)
    def api_search(self):
        self.client.get(f"/api/v1/incidents/?q={random.choice(SEARCH_TERMS)}", name="api search")

    @task(2)
    def api_detail(self):
        self.client.get(f"/api/v1/incidents/{random.choice(PUBLIC_IDS)}/", name="api incident")

    @task(1)
    def api_csv(self):
        self.client.get(f"/api/v1/incidents/?format=csv&page={random.randint(1, 20)}", name="api csv export")
