"""The engine's shortcuts give what the slow way gives, byte for byte.

Each is a faster route to a library's own result (benchmarks/README.md, "The engine"):
the QR code's drawing, json.dumps with indent, posixpath.relpath, PyYAML's
pure-Python composer. Each is compared here with the original on real and odd inputs.
"""

from __future__ import annotations

import importlib
import json
import posixpath
import random
import re
import string
from pathlib import Path

import pytest
import yaml

from generator.load import load_package, load_schemas
from generator.outputs import frame, qr, render

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


def _modules_drawn(svg: str) -> set[tuple[int, int]]:
    """The dark modules an SVG from :func:`qr.qr_svg` strokes (the path read back)."""
    d = re.search(r'stroke="#000" d="M(\d+) (\d+)\.5([^"]*)"', svg)
    assert d, svg[:200]
    x, y = int(d.group(1)), int(d.group(2))
    dark = set()
    for dx, dy, run in re.findall(r"m(-?\d+) (-?\d+)h(\d+)", d.group(3)):
        x, y = x + int(dx), y + int(dy)
        dark |= {(x + i - qr.BORDER, y - qr.BORDER) for i in range(int(run))}
        x += int(run)
    return dark


def test_the_qr_svg_draws_exactly_the_encoders_modules_and_decodes_to_the_url():
    zxingcpp = pytest.importorskip("zxingcpp")
    image_mod = pytest.importorskip("PIL.Image")
    for url in _urls(150, 3):
        rows = qr.qr_matrix(url)
        dark = {(x, y) for y, row in enumerate(rows) for x, v in enumerate(row) if v == 0}
        assert _modules_drawn(qr.qr_svg(url)) == dark, url
        side = len(rows)
        image = image_mod.frombytes("L", (side, side), b"".join(rows))
        framed = image_mod.new("L", (side * 4 + 32, side * 4 + 32), 255)
        framed.paste(image.resize((side * 4, side * 4), image_mod.NEAREST), (16, 16))
        (found,) = zxingcpp.read_barcodes(framed, formats=zxingcpp.BarcodeFormat.QRCode)
        assert (found.text, found.ec_level, found.format.name) == (url, "M", "QRCode")


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
        assert frame._relpath(path, start) == expected, (path, start)


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
