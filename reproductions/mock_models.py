"""Canned replies for Inspect's mock model, described as data.

An `EvalModel` with provider `mockllm` carries its replies in `model_args`:
`{"replies": ["first", "second"], "rules": [{"contains": ["aligns", "kill"], "reply": "5"}]}`.
A rule answers when every string it names appears in the prompt; otherwise
the replies are used in turn. `delay_seconds` makes each reply take that
long (to watch progress, cancel or kill a worker mid-run in tests). Every reply carries token usage, because
without it Inspect counts tokens with tiktoken, which downloads a vocabulary
file and fails offline.
"""

import itertools
import threading

import anyio
from inspect_ai.model import ModelOutput, ModelUsage

DEFAULT_REPLY = "This is a canned reply from the mock model."


def prompt_text(messages) -> str:
    return "\n".join(message.text for message in messages)


def canned_responder(spec: dict):
    """A callable for mockllm's `custom_outputs` that answers from `spec`."""
    replies = list(spec.get("replies") or [DEFAULT_REPLY])
    rules = list(spec.get("rules") or [])
    delay = float(spec.get("delay_seconds") or 0)
    turn = itertools.count()
    lock = threading.Lock()

    async def respond(input, tools, tool_choice, config) -> ModelOutput:
        if delay:
            await anyio.sleep(delay)
        text = prompt_text(input)
        for rule in rules:
            needles = rule["contains"] if isinstance(rule["contains"], list) else [rule["contains"]]
            if all(needle in text for needle in needles):
                reply = rule["reply"]
                break
        else:
            with lock:
                reply = replies[next(turn) % len(replies)]
        output = ModelOutput.from_content(model="mockllm/model", content=reply)
        input_tokens, output_tokens = len(text.split()), len(reply.split())
        output.usage = ModelUsage(
            input_tokens=input_tokens, output_tokens=output_tokens, total_tokens=input_tokens + output_tokens
        )
        return output

    return respond
