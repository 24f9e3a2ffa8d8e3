"""YAML that committees and maintainers write, read within bounds.

``yaml.safe_load`` constructs no Python objects, but it still expands aliases (a few
hundred bytes of ``&a [*a, *a, …]`` become gigabytes), recurses once per nesting level
(a thousand ``[`` give a RecursionError) and keeps the last of two equal keys without a
word. A data package needs none of anchors, aliases or deep nesting, so :func:`load`
refuses them while composing, before anything is built, and refuses a repeated key.
Each refusal is a :class:`YamlRefused`, a ``yaml.YAMLError`` (so callers that already
catch YAML errors stay safe) that carries a rule id, the line and a message with the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# A descriptor lists a few dozen tables; the largest shared schema is a few KB.
MAX_BYTES = 256 * 1024
# datapackage.yaml needs 4 levels (package → resources → entry → schema keys); schemas 5.
MAX_DEPTH = 20

ALIAS, DUPLICATE_KEY, TOO_LARGE = "yaml-alias", "yaml-duplicate-key", "yaml-too-large"


class YamlRefused(yaml.YAMLError):
    """YAML refused for its shape, not its syntax: ``rule`` is the finding's rule id,
    ``line`` is 1-based (or None), ``message``/``message_en`` end with the fix."""

    def __init__(self, rule: str, line: int | None, message: str, message_en: str):
        super().__init__(message_en)
        self.rule, self.line = rule, line
        self.message, self.message_en = message, message_en


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors, aliases, deep nesting and repeated keys."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _alias(line)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _too_deep(line)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            try:
                first = seen.get(key)
                seen.setdefault(key, line)
            except TypeError:  # an unhashable key: SafeLoader reports it below
                continue
            if first is not None:
                raise _duplicate(key, line, first)
        return super().construct_mapping(node, deep=deep)


def _alias(line: int | None) -> YamlRefused:
    return YamlRefused(
        ALIAS,
        line,
        f"第 {line} 行用了 YAML 的锚点或引用（& 或 *）。Sunlight 的 YAML 文件中不允许这样写：请把内容直接写出来，"
        "删去 & 和 * 开头的记号。",
        f"Line {line} uses a YAML anchor or alias (& or *), which Sunlight's YAML files "
        "do not allow. Write the content out in full and remove the & and * marks.",
    )


def _too_deep(line: int | None) -> YamlRefused:
    return YamlRefused(
        TOO_LARGE,
        line,
        f"第 {line} 行嵌套超过 {MAX_DEPTH} 层，无法读取。这类文件只需要几层缩进：请对照同类文件改正"
        "（多半是括号没有配对）。",
        f"Line {line} is nested more than {MAX_DEPTH} levels deep and cannot be read. These "
        "files need only a few levels: compare with a file of the same kind (often a "
        "bracket left open).",
    )


def _duplicate(key: str, line: int, first: int) -> YamlRefused:
    return YamlRefused(
        DUPLICATE_KEY,
        line,
        f"第 {line} 行的键“{key}”与第 {first} 行重复，只会保留一个。请删去或合并其中一项。",
        f'Line {line} repeats the key "{key}" of line {first}; only one would be kept. '
        "Delete or merge one of them.",
    )


def too_large(size: int, max_bytes: int = MAX_BYTES) -> YamlRefused:
    """The refusal of a file of ``size`` bytes (callers check the size before reading)."""
    return YamlRefused(
        TOO_LARGE,
        None,
        f"文件有 {size // 1024} KB，超过了 {max_bytes // 1024} KB 的上限，没有读取。这类文件只需几 KB："
        "请删去多余的内容（数据应放在 CSV 表格中）。",
        f"The file is {size // 1024} KB, over the {max_bytes // 1024} KB limit, and was not "
        "read. Such a file needs a few KB: remove what does not belong (data goes in "
        "the CSV tables).",
    )


def load(text: str | bytes, max_bytes: int = MAX_BYTES) -> Any:
    """Parse one YAML (or JSON) document within bounds; raises :class:`YamlRefused` for
    what is refused and ``yaml.YAMLError`` for what is not YAML."""
    size = len(text.encode("utf-8") if isinstance(text, str) else text)
    if size > max_bytes:
        raise too_large(size, max_bytes)
    if _FAST is None:
        loader = _BoundedLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    # libyaml: the same refusals, then built in C. The pure-Python loader composes a
    # descriptor in tens of milliseconds, a real share of a city's build.
    try:
        if not _has_marks(text):
            # No & or * anywhere, so no anchor and no alias: libyaml composes the node
            # tree once and the tree is checked for depth and repeated keys before
            # anything is constructed: 0.36 ms for an estate's descriptor, not 0.52 ms.
            return _load_composed(text)
        # An anchor is visible only in the parser's events, and aliases must be
        # refused before they are composed into shared nodes.
        _check_events(yaml.parse(text, Loader=_FAST))
        return yaml.load(text, Loader=_FAST)
    except YamlRefused:
        raise
    except yaml.YAMLError as error:
        # libyaml stops at its own nesting limit (1,000) before the events reach ours.
        if "nesting depth" in str(getattr(error, "problem", "") or ""):
            mark = getattr(error, "problem_mark", None)
            raise _too_deep(mark.line + 1 if mark else None) from None
        # Broken YAML: the pure-Python parser words (and places) the error as before.
        loader = _BoundedLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()


_FAST = getattr(yaml, "CSafeLoader", None) if yaml.__with_libyaml__ else None


def _has_marks(text: str | bytes) -> bool:
    """Whether ``text`` holds an & or a *, which every anchor and alias begins with."""
    if isinstance(text, bytes):
        return b"&" in text or b"*" in text
    return "&" in text or "*" in text


def _load_composed(text: str | bytes) -> Any:
    """The document of a text without anchors or aliases: composed by libyaml, checked
    by :func:`_check_nodes`, then constructed."""
    loader = _FAST(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _check_nodes(root: yaml.Node) -> None:
    """What :func:`_check_events` refuses in a text without anchors or aliases, from its
    node tree: a node deeper than MAX_DEPTH, a key repeated in one mapping. The tree is
    walked in document order, so the first refusal is the one the events would give."""
    # (node, depth, the keys of the mapping it is a key of): a key is checked when its
    # turn comes, as the parser's events would reach it.
    pending: list[tuple[yaml.Node, int, dict | None]] = [(root, 1, None)]
    while pending:
        node, depth, keys = pending.pop()
        line = node.start_mark.line + 1
        if depth > MAX_DEPTH:
            raise _too_deep(line)
        if isinstance(node, yaml.ScalarNode):
            if keys is not None:
                key = (node.value, node.style is None)
                first = keys.get(key)
                if first is not None:
                    raise _duplicate(node.value, line, first)
                keys[key] = line
        elif isinstance(node, yaml.MappingNode):
            seen: dict[tuple[str, bool], int] = {}
            for key_node, value_node in reversed(node.value):
                pending.append((value_node, depth + 1, None))
                pending.append((key_node, depth + 1, seen))
        else:
            pending.extend((child, depth + 1, None) for child in reversed(node.value))


_NODE_EVENTS = (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.AliasEvent)


def _check_events(events) -> None:
    """What _BoundedLoader refuses, from the event stream: an anchor or alias, a node
    deeper than MAX_DEPTH, a key repeated in one mapping (the same line numbers)."""
    stack: list[list] = []  # per open collection: [is_mapping, expects_key, keys seen]
    for event in events:
        if not isinstance(event, _NODE_EVENTS):
            if isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                stack.pop()
            continue
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _alias(line)
        if len(stack) + 1 > MAX_DEPTH:
            raise _too_deep(line)
        parent = stack[-1] if stack else None
        if parent is not None and parent[0]:
            if parent[1] and isinstance(event, yaml.ScalarEvent):
                key = (event.value, event.style is None)
                first = parent[2].get(key)
                if first is not None:
                    raise _duplicate(event.value, line, first)
                parent[2][key] = line
            parent[1] = not parent[1]
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            stack.append([isinstance(event, yaml.MappingStartEvent), True, {}])


def read(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """The UTF-8 text of ``path`` (a BOM dropped), never reading more than ``max_bytes``:
    a file over the limit raises :class:`YamlRefused` without being loaded."""
    with path.open("rb") as file:
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(path.stat().st_size, max_bytes)
    return data.decode("utf-8-sig")
