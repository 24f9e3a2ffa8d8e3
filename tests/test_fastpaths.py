"""The engine's shortcuts give what the slow way gives, byte for byte.

Each is a faster route to a library's own result (benchmarks/README.md, "The engine"):
segno's choice of QR mask, json.dumps with indent, posixpath.relpath, PyYAML's
pure-Python composer. Each is compared here with the original on real and odd inputs.
"""

from __future__ import annotations

import importlib
import json
import posixpath
import random
import string
from pathlib import Path

import pytest
import segno
import yaml
from segno import encoder

from generator.load import load_package, load_schemas
from generator.outputs import qr, render

load_mod = importlib.import_module("generator.load")
REPO = Path(__file__).resolve().parent.parent


def _urls(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + "-_./?=&%中文小区"
    urls = [
        "https://sunlight.example.org/estates/pujin-jiayuan/?v=0123456789ab",
        "http://127.0.0.1:8000/estates/a/?v=f",
    ]
    urls += [
        "https://" + "".join(rng.choice(alphabet) for _ in range(rng.randint(5, 300)))
        for _ in range(n)
    ]
    return urls


def test_the_qr_mask_is_segnos_choice_and_the_code_the_same(monkeypatch):
    assert encoder.find_and_apply_best_mask is qr._best_mask  # installed for segno 1.6
    fast = [(qr.qr_svg(url), segno.make(url, error="m", micro=False).mask) for url in _urls(150, 3)]
    monkeypatch.setattr(encoder, "find_and_apply_best_mask", qr._segno_best_mask)
    slow = [(qr.qr_svg(url), segno.make(url, error="m", micro=False).mask) for url in _urls(150, 3)]
    assert fast == slow
    assert len({mask for _, mask in slow}) == 8  # every pattern was the best somewhere


def test_a_proposed_mask_and_micro_codes_keep_segnos_own_way():
    for url in ("a", "12345"):
        assert segno.make(url, micro=True).designator.startswith("M")
        assert segno.make(url, micro=True).matrix  # Micro QR: segno's own evaluation
    assert segno.make("https://example.org/", mask=5).mask == 5


def _descriptors() -> list[dict]:
    data = REPO / "data"
    schemas = load_schemas(data / "schemas")
    return [
        load_package(folder, data, schemas).descriptor
        for folder in sorted((data / "estates").iterdir())
        if folder.is_dir()
    ]


def test_datapackage_json_is_json_dumps_byte_for_byte():
    descriptors = _descriptors()
    assert descriptors
    odd = [
        {"name": "x", "resources": "not a list"},
        {"name": "x", "resources": [{"name": "a", "schema": "shared.yaml"}, 3, None]},
        {"name": "x", "resources": [{"name": "a", "schema": {"fields": []}}]},
        {"name": "\ue000", "resources": [{"name": "a", "schema": {"fields": [{"n": 1}]}}]},
        {"resources": [{"schema": {"description": "\ue000sunlight-schema-0\ue000"}}]},
        {"resources": [{"schema": {"a": True}}, {"schema": {"a": 1}}, {"schema": {"a": 1.0}}]},
        {"resources": [{"schema": {"x": "line\nbreak", "y": [1, {"z": []}]}}]},
    ]
    for descriptor in descriptors + odd:
        assert render.descriptor_json(descriptor) == json.dumps(
            descriptor, ensure_ascii=False, indent=2
        )
        # Twice: the second time from the remembered schemas.
        assert render.descriptor_json(descriptor) == json.dumps(
            descriptor, ensure_ascii=False, indent=2
        )


def test_relative_links_are_posixpaths_own():
    rng = random.Random(5)
    segments = ["estates", "pujin-jiayuan", "data", "a.csv", "", ".", "..", "x"]
    for _ in range(20000):
        path = "/".join(rng.choice(segments) for _ in range(rng.randint(1, 4))) or "."
        start = "/".join(rng.choice(segments) for _ in range(rng.randint(1, 4))) or "."
        if rng.random() < 0.05:
            path = "/" + path
        try:
            expected = posixpath.relpath(path, start)
        except ValueError:
            continue
        assert render._relpath(path, start) == expected, (path, start)


@pytest.mark.parametrize(
    "text",
    [
        "name: a\nresources:\n  - name: estate\n    path: estate.csv\n  - name: fees\n",
        "resources: [a, b]\n",
        "# 注释\n\n\nresources:\n\n  - name: 中文\n  - 2\n",
        "a: 1\r\nresources:\r\n - x\r\n - y\r\n",
        "resources:\n- {\n",
        "- just\n- a list\n",
        "resources: none\n",
    ],
)
def test_resource_lines_are_the_pure_python_composers(text):
    def pure(text: str) -> list[int]:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            return []
        if not isinstance(node, yaml.MappingNode):
            return []
        for key, value in node.value:
            if key.value == "resources" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value]
        return []

    assert load_mod._entry_lines(text) == pure(text)
