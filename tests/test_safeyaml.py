"""safeyaml reads a text without & or * once (libyaml's node tree, checked before it is
constructed) and any other text through the parser's events: both must refuse the same
texts, with the same rule, line and message, and build the same data."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from generator import safeyaml

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(safeyaml._FAST is None, reason="PyYAML without libyaml")


def outcome(read, text):
    """What reading ``text`` gives: the data, or the refusal, or the kind of YAML error."""
    try:
        return ("data", read(text))
    except safeyaml.YamlRefused as refused:
        return ("refused", refused.rule, refused.line, refused.message, refused.message_en)
    except yaml.YAMLError as error:
        return ("error", type(error).__name__)


def through_events(text):
    safeyaml._check_events(yaml.parse(text, Loader=safeyaml._FAST))
    return yaml.load(text, Loader=safeyaml._FAST)


def width(depth: int) -> tuple[int, int]:
    """Up to three children near the root, one below: the texts stay small, some go deep."""
    return (0, 3) if depth < 5 else (1, 1)


def leaf(depth: int) -> float:
    """The chance a node is a scalar: deeper chains end less often, so some pass MAX_DEPTH."""
    return 0.3 if depth < 5 else 0.1


def flow(rng: random.Random, depth: int) -> str:
    """A flow-style node with few distinct keys, so that some mappings repeat one."""
    kind = rng.random()
    if depth > 24 or kind < leaf(depth):
        return rng.choice(["1", "x", "'x'", '"填"', "null", "2026-09-30", "1.50"])
    items = [flow(rng, depth + 1) for _ in range(rng.randint(*width(depth)))]
    if kind < 0.6:
        return "[" + ", ".join(items) + "]"
    keys = [rng.choice(["a", "b", "'a'", '"b"', "1", "名称"]) for _ in items]
    return "{" + ", ".join(f"{k}: {v}" for k, v in zip(keys, items, strict=True)) + "}"


def block(rng: random.Random, depth: int, indent: str) -> str:
    """Block-style lines under a key or an item, some with flow values inside."""
    kind = rng.random()
    if depth > 24 or kind < leaf(depth):
        return " " + flow(rng, depth) + "\n"
    lines = ["\n"]
    for _ in range(max(1, rng.randint(*width(depth)))):
        head = "- " if kind < 0.5 else rng.choice(["a", "b", "'a'", "名称", "path"]) + ":"
        lines.append(indent + head + block(rng, depth + 1, indent + "  "))
    return "".join(lines)


def random_texts(count: int, seed: int = 20261203):
    rng = random.Random(seed)
    for _ in range(count):
        if rng.random() < 0.5:
            yield flow(rng, 1) + "\n"
        else:
            top = "name: x\n" if rng.random() < 0.5 else ""
            yield top + "root:" + block(rng, 2, "  ")


CASES = [
    "",
    "# only a comment\n",
    "name: a\nname: b\n",
    "{a: 1, a: 2}\n",  # the repeat on the key's own line
    "{a: 1, 'a': 2}\n",  # quoted and plain are different keys here, as in the events
    "{'a': 1, \"a\": 2}\n",
    "a: {" * 19 + "b: 1" + "}" * 19 + "\n",  # exactly MAX_DEPTH
    "a: {" * 20 + "b: 1" + "}" * 20 + "\n",
    "a: " + "[" * 30 + "]" * 30 + "\na: 2\n",  # too deep first, repeated key later
    "a: 1\nb: " + "[" * 30 + "]" * 30 + "\na: 2\n",
    "? [a, b]\n: 1\n? [a, b]\n: 2\n",  # keys that are not scalars are not compared
    "a: 1\n---\nb: 2\n",
    "a: [1, 2\n",
    "a: !!python/object:os.system x\n",
    "resources:\n  - name: estate\n    path: estate.csv\n    path: members.csv\n",
]


@pytest.mark.parametrize("text", CASES + list(random_texts(400)))
def test_the_node_tree_refuses_what_the_events_refuse(text):
    assert not safeyaml._has_marks(text)
    assert outcome(safeyaml._load_composed, text) == outcome(through_events, text)


def test_the_random_texts_reach_every_refusal():
    outcomes = [outcome(through_events, text) for text in random_texts(400)]
    kinds = {kind[1] if kind[0] == "refused" else kind[0] for kind in outcomes}
    assert {"data", safeyaml.DUPLICATE_KEY, safeyaml.TOO_LARGE} <= kinds


@pytest.mark.parametrize(
    "path",
    sorted(REPO.glob("data/estates/*/datapackage.yaml")) + sorted(REPO.glob("data/schemas/*.yaml")),
    ids=lambda path: f"{path.parent.name}/{path.name}",
)
def test_the_repository_yaml_reads_as_yaml_reads_it(path):
    text = safeyaml.read(path)
    assert safeyaml.load(text) == yaml.safe_load(text)
    assert safeyaml.load(text.encode("utf-8")) == yaml.safe_load(text)


@pytest.mark.parametrize("text", ["a: &x 1\n", "a: &x [1]\nb: *x\n", "a: '&'\na: 2\n", b"a: *x\n"])
def test_a_text_with_a_mark_goes_through_the_events(text):
    assert safeyaml._has_marks(text)
    refused = outcome(safeyaml.load, text)
    assert refused[0] == "refused", refused
    raw = text if isinstance(text, bytes) else text.encode("utf-8")
    assert refused[1] == (safeyaml.DUPLICATE_KEY if b"'&'" in raw else safeyaml.ALIAS)
