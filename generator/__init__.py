"""Sunlight (阳光公示): estate data packages → validation → a per-estate website.

The pipeline runs one way, one module per stage, each returning a plain value:
``load`` (packages) → ``validate`` (report) → ``model`` (estates) → ``render`` (pages)
→ ``build`` (site, with MkDocs) → ``search`` (Pagefind index of the staged site). ``history``
reads git alongside ``load``. Only ``cli`` composes them.
"""

from .findings import Finding, Report
from .load import Loaded, load
from .model import Estate, build_estates
from .validate import validate

__all__ = ["Estate", "Finding", "Loaded", "Report", "build_estates", "load", "validate"]
