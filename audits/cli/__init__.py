"""The `vaudit` command line: the click group (group.py) and the commands, one module per
concern (*_cmds.py), which register themselves on the group when imported. Heavy modules
(SQLModel, Alembic) load only in the commands that need them, so `vaudit --help` stays quick."""

from __future__ import annotations

from vaudit.audits.cli.group import Context, cli, pass_context, user_errors


def main() -> None:
    """The `vaudit` console script: every command registered, then the group run."""
    from vaudit.audits.cli import (  # noqa: F401
        audit_cmds,
        channel_cmds,
        checklist_cmds,
        db_cmds,
        followup_cmds,
        party_cmds,
        report_cmds,
    )

    cli(prog_name="vaudit")


__all__ = ["Context", "cli", "main", "pass_context", "user_errors"]
