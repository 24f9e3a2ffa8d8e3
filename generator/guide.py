"""Where each finding is explained: a link from a rule id to its section of the guide.

Every rule id (the estate rules of domain.md, the loader's and frictionless' error types,
and the workbook import's ``workbook-error``) has a section with the anchor ``{#rule-id}``
in ``content/guide/rules.md`` or, for the spreadsheet tools, ``content/guide/committee.md``.
A few ids share one section; unknown ids link to the top of the rules page.

Imports nothing from the rest of the package, so any printer can use it.
"""

from __future__ import annotations

RULES_PAGE = "guide/rules/"
COMMITTEE_PAGE = "guide/committee/"

# Ids explained in a section named after another id.
SHARED_SECTIONS = {
    "extra-label": "missing-label",
    "duplicate-label": "missing-label",
    "incorrect-label": "missing-label",
    "blank-label": "missing-label",
    "unique-error": "primary-key",
    "blank-row": "format",
    "extra-cell": "format",
    "missing-cell": "format",
    "source-error": "format",
    "scheme-error": "format",
    "format-error": "format",
}
# Ids explained on the committee guide rather than the rules page.
COMMITTEE_SECTIONS = {"workbook-error"}
# Ids whose fix is explained in a committee-guide section of another name: what may be
# published about a person is a question for the committee, not a rule detail.
COMMITTEE_ANCHORS = {"no-personal-data": "personal-data"}
# Anchors that exist on the rules page (checked against the file by a test).
KNOWN_ANCHORS = {
    "format", "encoding-error", "empty-file", "missing-label", "package-error",
    "duplicate-estate", "type-error", "constraint-error", "primary-key", "foreign-key",
    "committee-size", "committee-term", "committee-filing", "committee-roles",
    "member-in-term", "meeting-cadence", "resolution-threshold", "statement-reconciles",
    "common-income-transfer", "repair-fund-floor", "disclosure-fresh", "fee-single-price",
    "fee-band", "work-orders-consistent", "no-personal-data",
    "cell-too-long", "control-character", "line-break", "key-whitespace", "formula-cell",
    "money-decimals", "fullwidth-digits", "yaml-alias", "yaml-duplicate-key",
    "yaml-too-large", "workbook-too-large",
    "fee-collection-consistent", "priority-task-dates", "priority-task-single", "credit-code",
    "supervision-estate", "supervision-dates", "supervision-visits", "supervision-one-open",
    "company-pool-dates",
}  # fmt: skip


def guide_url(rule: str, site_url: str = "") -> str:
    """The guide section explaining ``rule``.

    With ``site_url`` (``https://sunlight.example.org/``) an absolute URL, for job summaries
    and annotations; without, a path relative to the site root (``guide/rules/#fee-band``).

    >>> guide_url("fee-band", "https://sunlight.example.org")
    'https://sunlight.example.org/guide/rules/#fee-band'
    >>> guide_url("extra-label")
    'guide/rules/#missing-label'
    """
    base = site_url.rstrip("/") + "/" if site_url else ""
    if rule in COMMITTEE_SECTIONS:
        return f"{base}{COMMITTEE_PAGE}#{rule}"
    if rule in COMMITTEE_ANCHORS:
        return f"{base}{COMMITTEE_PAGE}#{COMMITTEE_ANCHORS[rule]}"
    anchor = SHARED_SECTIONS.get(rule, rule)
    if anchor not in KNOWN_ANCHORS:
        return f"{base}{RULES_PAGE}"
    return f"{base}{RULES_PAGE}#{anchor}"
