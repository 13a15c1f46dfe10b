"""Scored TOML reports: build, write, verify and import (format version 1).

The report is the record that leaves the auditors' hands. Its body is written by tomli-w from
data built in a fixed order, so the same audit gives the same bytes. The last table, `[digest]`,
holds the SHA-256 of every byte before it, plus one digest per part (and per item) of the
parsed data, so that verify can say *where* a changed report differs. docs/report-format.md
documents every key.

- format: the format's names, ReportError, the conversions every part uses
- source: what a report is built from, read a chunk of audits at a time
- body: the TOML body, table by table
- digest: the `[digest]` table and the report's text
- verify: checking a report file and the evidence beside it
- compare: the comparison of several audits
- export: writing reports and comparisons to files
- markdown: the readable Markdown rendering
- importing: restoring an audit from a report
"""

from vaudit.audits.report.body import build, vendor_table
from vaudit.audits.report.compare import build_comparison
from vaudit.audits.report.digest import block_digests, render
from vaudit.audits.report.export import (
    FORMATS,
    Written,
    export_audits,
    export_comparison,
    parse_formats,
    report_name,
    targets_for,
)
from vaudit.audits.report.format import (
    CHECKLIST_FOLDER,
    COMPARE_FORMAT,
    EVIDENCE_FOLDER,
    FORMAT,
    FORMAT_VERSION,
    ReportError,
    evidence_file,
)
from vaudit.audits.report.importing import Imported, import_report
from vaudit.audits.report.source import ReportSource, collect_many
from vaudit.audits.report.verify import Verification, split, verify_file

__all__ = [
    "CHECKLIST_FOLDER",
    "COMPARE_FORMAT",
    "EVIDENCE_FOLDER",
    "FORMAT",
    "FORMATS",
    "FORMAT_VERSION",
    "Imported",
    "ReportError",
    "ReportSource",
    "Verification",
    "Written",
    "block_digests",
    "build",
    "build_comparison",
    "collect_many",
    "evidence_file",
    "export_audits",
    "export_comparison",
    "import_report",
    "parse_formats",
    "render",
    "report_name",
    "split",
    "targets_for",
    "vendor_table",
    "verify_file",
]
