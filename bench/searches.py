"""The searches the web and API benchmarks time.

SEARCHES are what readers look for: a behaviour, a phrase, a typo in a name,
a typo in a word (corrected: the search runs twice, and the vocabulary is
asked), a word's beginning, operators. In the synthetic data, as in the real data under shared/data, each
finds a few percent of incidents. BROAD_SEARCHES are words nearly every
incident contains ("model" is in a third to a half of real entries), so each
ranks tens of thousands of matches at 100,000 incidents: the worst case of
search, timed apart.
"""

SEARCHES = [
    "blackmail",
    "reverse SSH tunnel",
    "alibba",  # a typo in a name: trigram matching
    "self-exfiltration",
    '"cryptocurrency mining"',
    "deception OR sabotage",
    "claude",
    "reward hacking -evaluation",
    "blakmail",  # a typo in a word: corrected against the vocabulary
    "crypto",  # a word's beginning: prefix matching
    "antropic",
]
BROAD_SEARCHES = ["agent", "model", "operator OR monitor", '"without being prompted"']
