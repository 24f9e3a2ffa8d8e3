"""frictionless' table validation of one estate package, paid per cell.

``frictionless.Package(descriptor).validate()`` turns every descriptor into objects and
back for every table, reads each table twice (once to validate, once more for the typed
rows) and re-reads every table a foreign key points to. Here the same checks run over
the one parse the loader already made of each CSV: frictionless' own cell readers
(``Field.create_cell_reader``, built once per schema and reused by every estate), its own
error classes, and its order of errors, row numbers, notes and limits, read from its
source (``resources/table.py`` ``__open_row_stream``, ``table/row.py`` ``__process``,
``resource/resource.py`` ``validate``, ``formats/csv/parser.py``):

- a row's cells are read in field order; a cell that is not a value of its type gives
  ``type-error`` (and no constraint is checked), else each failed constraint gives
  ``constraint-error``; then ``extra-cell`` and ``missing-cell``; a row whose every cell is
  empty gives only ``blank-row``;
- ``unique`` fields, the primary key and each foreign key are checked per row, in that
  order, against the rows before it (a key whose cells are all empty: ``primary-key``
  "all None"; a foreign key whose cells are all empty is not checked);
- a table stops collecting errors at frictionless' limit (1,000), after the row that
  reached it.

frictionless decides two things about a CSV before reading it: the dialect (a sniffer over
its first 100 lines) and the header row (the first of its first 100 records whose width
is near their average). Both are worked out here as frictionless does; a file for which
they differ from the loader's reading (a comma-separated header row 1), a header that
differs from the schema, or a schema frictionless would not accept as it stands, is left
to the full frictionless path (:func:`check_package` returns None), so the result is the
same whatever the input.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import marshal
import operator
from dataclasses import dataclass, field
from pathlib import Path

import frictionless
from frictionless import errors as fl
from frictionless import helpers as fl_helpers
from frictionless import settings as fl_settings

# frictionless reads this many lines to sniff the dialect (formats/csv/parser.py) and
# this many records to find the header row (detector sample_size).
SNIFF_LINES = 100
SAMPLE_ROWS = fl_settings.DEFAULT_SAMPLE_SIZE
LIMIT_ERRORS = fl_settings.DEFAULT_LIMIT_ERRORS
# The delimiters frictionless lets the sniffer choose from, in ASCII order.
DELIMITERS = ",\t;|"
# Types whose values are plain, hashable Python values (keys are compared by them).
TYPES = frozenset(
    {"string", "integer", "number", "boolean", "date", "datetime", "time", "year",
     "yearmonth", "duration", "any"}
)  # fmt: skip


@dataclass
class Checked:
    """What ``frictionless.Package(...).validate()`` and a second read would give."""

    # resource name → frictionless errors in frictionless' order, in descriptor order
    errors: dict[str, list] = field(default_factory=dict)
    # resource name → typed rows (field → value, yearmonth as "YYYY-MM", and "_row")
    rows: dict[str, list[dict]] = field(default_factory=dict)


@dataclass
class _Schema:
    """One schema, compiled once: frictionless' cell reader of each field."""

    names: list[str]
    readers: list
    yearmonths: list[int]
    unique: list[int]
    primary_key: list[str]
    foreign_keys: list[dict]


# Compiled schemas by their JSON text (every estate shares them); None: not compilable,
# so packages using it go the full frictionless way.
_SCHEMAS: dict[str, _Schema | None] = {}


def check_package(pkg) -> Checked | None:
    """frictionless' findings and typed rows for ``pkg`` (an :class:`load.EstatePackage`),
    or None when only frictionless itself can say (see the module docstring)."""
    tables = []
    for descriptor in pkg.descriptor["resources"]:
        name = descriptor["name"]
        if not fl_helpers.is_safe_path(descriptor["path"]):
            return None
        schema = _compile(descriptor["schema"])
        if schema is None:
            return None
        parsed = _parsed(pkg, name, descriptor)
        if parsed is None:
            return None
        table = _read(name, schema, parsed[1])
        if table is None:
            return None
        tables.append(table)
    by_name = {table.name: table for table in tables}
    for table in tables:
        for fk in table.schema.foreign_keys:
            if fk["resource"] not in ("", table.name) and fk["resource"] not in by_name:
                return None  # frictionless cannot open the table at all: its words
    for table in tables:
        _check_keys(table, by_name)
    return Checked(
        {table.name: table.finish() for table in tables},
        {table.name: table.rows for table in tables},
    )


def _compile(descriptor: dict) -> _Schema | None:
    try:
        # Exact about types and order, and cheaper than JSON text (18 tables an estate).
        key: bytes | str = marshal.dumps(descriptor)
    except ValueError:  # a value marshal cannot hold (a date read from YAML)
        key = json.dumps(descriptor, sort_keys=True, ensure_ascii=False, default=str)
    if key not in _SCHEMAS:
        _SCHEMAS[key] = _build_schema(descriptor)
    return _SCHEMAS[key]


def _build_schema(descriptor: dict) -> _Schema | None:
    """frictionless' readers for ``descriptor``; None for anything frictionless would
    refuse as metadata or treat beyond plain typed cells (such schemas take the full way)."""
    if {"uniqueKeys", "fieldsMatch"} & set(descriptor):
        return None  # rare enough to leave to frictionless
    try:
        if not frictionless.Schema.validate_descriptor(descriptor).valid:
            return None
        schema = frictionless.Schema.from_descriptor(json.loads(json.dumps(descriptor)))
    except Exception:  # frictionless raises several kinds on odd descriptors
        return None
    fields = schema.fields
    if any(f.type not in TYPES for f in fields):
        return None
    names = [f.name for f in fields]
    for fk in schema.foreign_keys:
        reference = fk.get("reference")
        if not isinstance(reference, dict) or "resource" not in reference:
            return None
    return _Schema(
        names=names,
        # As frictionless' Row does: the reader of the field as it belongs to its schema,
        # so a schema-wide missingValues applies.
        readers=[_remembered(f.create_cell_reader()) for f in fields],
        yearmonths=[i for i, f in enumerate(fields) if f.type == "yearmonth"],
        unique=[i for i, f in enumerate(fields) if f.constraints.get("unique")],
        primary_key=list(schema.primary_key),
        foreign_keys=[
            {
                "fields": list(fk["fields"]),
                "resource": fk["reference"]["resource"],
                "reference": list(fk["reference"]["fields"]),
            }
            for fk in schema.foreign_keys
        ],
    )


# Distinct cells a field's reader remembers (then it starts afresh): periods, dates,
# kinds and small amounts repeat across rows and estates, and frictionless' reader
# costs a few microseconds a cell.
REMEMBERED_CELLS = 2048


class _Remembered(dict):
    """A field's reader with its results kept by cell text (a cell reader is a pure
    function of the cell: its value and notes are never changed by the callers). Called
    as its ``__getitem__``, a cell read before costs no Python frame at all."""

    def __init__(self, reader):
        super().__init__()
        self.reader = reader

    def __missing__(self, cell):
        result = self.reader(cell)
        if len(self) >= REMEMBERED_CELLS:
            self.clear()
        self[cell] = result
        return result


def _remembered(reader):
    return _Remembered(reader).__getitem__


def _parsed(pkg, name: str, descriptor: dict) -> tuple[str, list[list[str]]] | None:
    """(text, records) of the resource's CSV as frictionless would read them, from the
    loader's parse when it kept one; None when frictionless would read it otherwise."""
    kept = getattr(pkg, "parsed", {}).get(name)
    if kept is not None:
        text, rows = kept
    else:
        # A package from before the loader kept its parse (or built by hand): read it.
        path = Path(pkg.files[name])
        try:
            text = path.read_bytes().decode(descriptor.get("encoding") or "utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        rows = list(csv.reader(io.StringIO(text, newline="")))
    if not _sniffs_as_excel(text) or _header_row(rows) != 1:
        return None
    return text, rows


def _sniffs_as_excel(text: str) -> bool:
    """Whether frictionless' CSV parser reads ``text`` with a comma and without skipping
    spaces after it, as the loader does (formats/csv/parser.py: ``csv.Sniffer().sniff``
    of the first 100 lines, delimiters ",\\t;|", the excel dialect if that fails)."""
    sample = "".join(itertools.islice(io.StringIO(text, newline=""), SNIFF_LINES))
    if '"' in sample or "'" in sample:
        # Quotes: the sniffer's regular expressions decide; ask it (slower, and rare).
        try:
            dialect = csv.Sniffer().sniff(sample, DELIMITERS)
        except csv.Error:
            return True
        return dialect.delimiter == "," and not dialect.skipinitialspace
    # Without a quote, each of the sniffer's expressions needs one, so it goes straight
    # to _guess_delimiter; that depends only on how often each candidate appears per line.
    delimiter, skip = _guess_delimiter(sample, DELIMITERS)
    if not delimiter:
        return True  # csv.Error: frictionless falls back to excel
    return delimiter == "," and not skip


def _guess_delimiter(data: str, delimiters: str) -> tuple[str, bool]:
    """``csv.Sniffer._guess_delimiter`` of CPython 3.11, counting only the candidate
    delimiters (the others cannot be chosen, and counting all 127 ASCII characters per
    line is most of the sniffer's time). tests/test_tablecheck.py compares the two."""
    lines = list(filter(None, data.split("\n")))
    chunk = min(10, len(lines))
    iteration = 0
    frequencies: dict[str, dict[int, int]] = {}
    modes: dict[str, tuple[int, int]] = {}
    delims: dict[str, tuple[int, int]] = {}
    start, end = 0, chunk
    while start < len(lines):
        iteration += 1
        for line in lines[start:end]:
            for char in delimiters:
                meta = frequencies.get(char, {})
                count = line.count(char)
                meta[count] = meta.get(count, 0) + 1
                frequencies[char] = meta
        for char in frequencies:
            items = list(frequencies[char].items())
            if len(items) == 1 and items[0][0] == 0:
                continue
            if len(items) > 1:
                mode = max(items, key=lambda x: x[1])
                items.remove(mode)
                modes[char] = (mode[0], mode[1] - sum(item[1] for item in items))
            else:
                modes[char] = items[0]
        total = float(min(chunk * iteration, len(lines)))
        consistency = 1.0
        while len(delims) == 0 and consistency >= 0.9:
            for k, v in modes.items():
                if v[0] > 0 and v[1] > 0 and (v[1] / total) >= consistency:
                    delims[k] = v
            consistency -= 0.01
        if len(delims) == 1:
            delim = next(iter(delims))
            return delim, lines[0].count(delim) == lines[0].count(f"{delim} ")
        start = end
        end += chunk
    if not delims:
        return "", False
    for d in csv.Sniffer().preferred:
        if d in delims:
            return d, lines[0].count(d) == lines[0].count(f"{d} ")
    delim = sorted((v, k) for k, v in delims.items())[-1][1]
    return delim, lines[0].count(delim) == lines[0].count(f"{delim} ")


def _header_row(rows: list[list[str]]) -> int:
    """The row frictionless takes for the header (detector.detect_dialect): the first
    of the first 100 records whose width is within 10 % of their average width."""
    widths = [len(cells) for cells in rows[:SAMPLE_ROWS]]
    if not widths:
        return 1
    width = round(sum(widths) / len(widths))
    drift = max(round(width * 0.1), 1)
    for number, size in enumerate(widths, start=1):
        if width - drift <= size <= width + drift:
            return number
    return 1


class _Table:
    """One resource read: its typed rows, and each row's errors as frictionless orders them."""

    def __init__(self, name: str, schema: _Schema, records: list[list[str]]):
        self.name = name
        self.schema = schema
        self.records = records
        self.rows: list[dict] = []
        self.values: list[list] = []  # frictionless' values (yearmonth as it reads it)
        # Rows with a problem in their cells: index → _RowCells; key errors: index → [..].
        self.cell_problems: dict[int, _RowCells] = {}
        self.key_errors: dict[int, list] = {}

    def finish(self) -> list:
        """The table's errors in frictionless' order, cut at its limit."""
        out: list = []
        indexes = sorted(set(self.cell_problems) | set(self.key_errors))
        for index in indexes:
            cells = self.cell_problems.get(index)
            events = self.key_errors.get(index, [])
            if cells is None:
                out.extend(error for kind, error in events if kind == "error")
            else:
                out.extend(cells.ordered(events))
            if len(out) >= LIMIT_ERRORS:
                return out[:LIMIT_ERRORS]
        return out


def _read(name: str, schema: _Schema, records: list[list[str]]) -> _Table | None:
    labels = ["" if cell is None else str(cell).strip() for cell in records[0]]
    if labels != schema.names:
        return None  # header errors: frictionless' Header says them
    table = _Table(name, schema, records)
    names, width = schema.names, len(schema.names)
    if not width:
        return None  # a schema without fields: frictionless' own words
    body = records[1:]
    if not body:
        return table
    # Rows of another width, cut or padded with None as frictionless reads them (rare).
    odd = [index for index, cells in enumerate(body, start=1) if len(cells) != width]
    if odd:
        body = [
            cells if len(cells) == width else cells[:width] + [None] * (width - len(cells))
            for cells in body
        ]
    # Column by column: each field's reader mapped over its column, the results taken
    # apart by itemgetter and the rows made by dict over zip, all loops in C; row by row
    # the same work cost a Python loop's bookkeeping per row (-0.6 ms an estate on the
    # synthetic city). A reader is a pure function of its cell: the order of the calls
    # changes nothing.
    columns_read = zip(*body, strict=True)
    read = [
        list(map(reader, cells)) for reader, cells in zip(schema.readers, columns_read, strict=True)
    ]
    values_by_field = [list(map(_VALUE, results)) for results in read]
    # The rows with a problem in their cells: another width, a note on a cell, or every
    # cell empty (blank-row; the first cell first, as most rows have one).
    problems = set(odd)
    for results in read:
        if any(map(_NOTES, results)):
            problems.update(i for i, (_, notes) in enumerate(results, start=1) if notes)
    for i, value in enumerate(values_by_field[0], start=1):
        if value is None and all(column[i - 1] is None for column in values_by_field):
            problems.add(i)
    for index in sorted(problems):
        table.cell_problems[index] = _RowCells(
            schema, records[index], index + 1, [results[index - 1] for results in read]
        )
    columns = list(values_by_field)
    for i in schema.yearmonths:
        columns[i] = [
            f"{value.year:04d}-{value.month:02d}" if type(value).__name__ == "yearmonth" else value
            for value in columns[i]
        ]
    keys = [*names, "_row"]
    table.rows = list(
        map(
            dict,
            map(zip, itertools.repeat(keys), zip(*columns, range(2, len(body) + 2), strict=True)),
        )
    )
    table.values = list(map(list, zip(*values_by_field, strict=True)))
    return table


_VALUE = operator.itemgetter(0)
_NOTES = operator.itemgetter(1)


class _RowCells:
    """A row with a problem in its cells, and frictionless' order of its errors.

    frictionless reads a row's cells lazily: the key checks read their cells one by one
    (each cell's errors are recorded when it is read), and the first key error makes it
    read the rest, then the extra, missing and blank-row checks (table/row.py)."""

    def __init__(self, schema: _Schema, cells: list[str], row_number: int, read: list):
        self.schema, self.cells, self.row_number, self.read = schema, cells, row_number, read

    def cell_errors(self, i: int) -> list:
        value, notes = self.read[i]
        if not notes:
            return []
        notes = dict(notes)
        type_note = notes.pop("type", None)
        source = self.cells[i] if i < len(self.cells) else None
        common = dict(
            cells=[str(c) if c is not None else "" for c in self.cells],
            row_number=self.row_number,
            cell=str(source),
            field_name=self.schema.names[i],
            field_number=i + 1,
        )
        out = [fl.TypeError(note=type_note, **common)] if type_note else []
        out.extend(fl.ConstraintError(note=note, **common) for note in notes.values())
        return out

    def ordered(self, events: list) -> list:
        errors: list = []
        processed: set[int] = set()
        done = False
        for kind, what in events + [("full", None)]:
            if kind == "access" and not done and what not in processed:
                processed.add(what)
                errors.extend(self.cell_errors(what))
            elif kind == "full" and not done:
                errors = self._full(errors, processed)
                done = True
            elif kind == "error":
                if not done:
                    errors = self._full(errors, processed)
                    done = True
                errors.append(what)
        return errors

    def _full(self, errors: list, processed: set[int]) -> list:
        width = len(self.schema.names)
        for i in range(width):
            if i not in processed:
                errors.extend(self.cell_errors(i))
        cells = [str(c) if c is not None else "" for c in self.cells]
        for number, cell in enumerate(self.cells[width:], start=width + 1):
            errors.append(
                fl.ExtraCellError(
                    note="", cells=cells, row_number=self.row_number, cell=str(cell),
                    field_name="", field_number=number,
                )
            )  # fmt: skip
        for i in range(len(self.cells), width):
            errors.append(
                fl.MissingCellError(
                    note="", cells=cells, row_number=self.row_number, cell="",
                    field_name=self.schema.names[i], field_number=i + 1,
                )
            )  # fmt: skip
        blank = sum(
            1 for value, notes in self.read if value is None and not (notes or {}).get("type")
        )
        if blank == width:
            return [fl.BlankRowError(note="", cells=cells, row_number=self.row_number)]
        return errors


def _check_keys(table: _Table, tables: dict[str, _Table]) -> None:
    """unique fields, primary key and foreign keys, row by row (resources/table.py)."""
    schema = table.schema
    index_of = {name: i for i, name in enumerate(schema.names)}
    unique = schema.unique
    primary = [index_of[name] for name in schema.primary_key] if schema.primary_key else []
    if schema.primary_key and not set(schema.primary_key) <= set(index_of):
        primary = []
    groups = []
    lookups: dict[str, dict[tuple, set]] = {}
    for fk in schema.foreign_keys:
        # The name as written ("" or its own: a self-reference) is what errors carry.
        source = fk["resource"]
        key = tuple(fk["reference"])
        lookup = lookups.setdefault(source, {})
        if key not in lookup:
            own = source in ("", table.name)
            lookup[key] = _lookup(table if own else tables[source], key)
        if set(fk["fields"]) <= set(index_of):
            groups.append(([index_of[f] for f in fk["fields"]], fk, lookup[key], source, key))
    if not (unique or primary or groups):
        return
    seen_unique: dict[int, dict] = {i: {} for i in unique}
    seen_primary: dict[tuple, int] = {}
    records = table.records
    # The cells each check reads, in order: a row's events are these accesses with its
    # errors after the check that found them, written out only for a row that has any
    # (or a problem in its cells), since most rows have neither.
    reads = [[i] for i in unique] + ([primary] if primary else [])
    reads += [group[0] for group in groups]
    first_group = len(unique) + (1 if primary else 0)
    if _keys_hold(table.values, unique, primary, groups):
        # No key error in any row (most tables): only the rows with a problem in their
        # cells need their events, which are then the checks' accesses alone.
        accesses = [("access", i) for positions in reads for i in positions]
        for index in table.cell_problems:
            table.key_errors[index] = list(accesses)
        return
    for index, values in enumerate(table.values, start=1):
        row_number = index + 1
        errors: list = []  # (check, error)
        for check, i in enumerate(unique):
            value = values[i]
            if value is not None:
                match = seen_unique[i].get(value)
                seen_unique[i][value] = row_number
                if match:
                    errors.append((check, fl.UniqueError(
                        note=f"the same as in the row at position {match}",
                        cells=_cells(records[index]), row_number=row_number,
                        cell=str(value), field_name=schema.names[i], field_number=i + 1,
                    )))  # fmt: skip
        if primary:
            cells = tuple([values[i] for i in primary])
            if cells and all(cell is None for cell in cells):
                note = 'cells composing the primary keys are all "None"'
                errors.append((len(unique), fl.PrimaryKeyError(
                    note=note, cells=_cells(records[index]), row_number=row_number
                )))  # fmt: skip
            else:
                match = seen_primary.get(cells)
                seen_primary[cells] = row_number
                if match:
                    errors.append((len(unique), fl.PrimaryKeyError(
                        note=f"the same as in the row at position {match}",
                        cells=_cells(records[index]), row_number=row_number,
                    )))  # fmt: skip
        for check, (positions, fk, lookup, source, key) in enumerate(groups, first_group):
            cells = tuple([values[i] for i in positions])
            if cells and all(cell is None for cell in cells):
                continue
            if cells not in lookup:
                note = (
                    f'for "{", ".join(fk["fields"])}": values '
                    f'"{", ".join(str(d) for d in cells)}" not found in the lookup table '
                    f'"{source}" as "{", ".join(key)}"'
                )
                errors.append((check, fl.ForeignKeyError(
                    note=note, cells=_cells(records[index]), row_number=row_number,
                    field_names=list(fk["fields"]), field_cells=_cells(cells),
                    reference_name=source, reference_field_names=list(key),
                )))  # fmt: skip
        if errors or index in table.cell_problems:
            events: list = []
            for check, positions in enumerate(reads):
                events.extend(("access", i) for i in positions)
                events.extend(("error", error) for found, error in errors if found == check)
            table.key_errors[index] = events


def _keys_hold(values: list[list], unique: list[int], primary: list[int], groups: list) -> bool:
    """Whether no row breaks a unique field, the primary key or a foreign key, told from
    whole columns with sets (what the row-by-row checks would find none of)."""
    for i in unique:
        column = [row[i] for row in values if row[i] is not None]
        if len(set(column)) != len(column):
            return False
    if primary:
        keys = [tuple([row[i] for i in primary]) for row in values]
        if len(set(keys)) != len(keys) or any(all(c is None for c in key) for key in keys):
            return False
    for positions, _fk, lookup, _source, _key in groups:
        if not positions:
            return False  # a key of no fields: the row-by-row way decides
        keys = {tuple([row[i] for i in positions]) for row in values}
        keys.discard((None,) * len(positions))
        if not keys <= lookup:
            return False
    return True


def _lookup(source: _Table, key: tuple) -> set:
    """The key values of ``source``'s rows, as frictionless' lookup table holds them."""
    positions = [source.schema.names.index(f) if f in source.schema.names else None for f in key]
    out = set()
    for values in source.values:
        cells = tuple(values[i] if i is not None else None for i in positions)
        if set(cells) != {None}:
            out.add(cells)
    return out


def _cells(cells) -> list[str]:
    return [str(c) if c is not None else "" for c in cells]
