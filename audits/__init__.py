"""vaudit's domain core: checklists, storage, rules, scoring and the command line.

Kept import-light on purpose: `vaudit --help` must not pay for SQLModel or Textual.
Nothing under `audits` imports textual.
"""

__version__ = "0.1.0"
