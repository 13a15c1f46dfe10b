"""`vaudit key create|show`: the auditor's Ed25519 signing key for reports."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vaudit.audits.cli.group import Context, cli, pass_context

if TYPE_CHECKING:
    from vaudit.audits.signing import SigningKey

OWN_KEY = "\0own"  # --sign or --key given without a KEY: vaudit's own key
PASSPHRASE_ENV = "VAUDIT_KEY_PASSPHRASE"  # for scripts; never stored, never printed


def ask_passphrase() -> str:
    """The key's passphrase: from VAUDIT_KEY_PASSPHRASE, else asked for without echo."""
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env is not None:
        return from_env
    answer: str = click.prompt("passphrase for the signing key", hide_input=True, err=True)
    return answer


def load_key(key: str | None) -> SigningKey:
    """The signing key a --sign/--key option names ("" or None: vaudit's own)."""
    from vaudit.audits.signing import load_signing_key

    return load_signing_key(Path(key) if key else None, ask_passphrase)


@cli.group()
def key() -> None:
    """The Ed25519 key that signs exported reports (`vaudit export --sign`)."""


@key.command("create")
@click.option(
    "--identity",
    help="Who the key belongs to, as reviewers will name you (default: the auditor's name).",
)
@click.option("--force", is_flag=True, help="Replace the key there is (old signatures stay valid).")
@pass_context
def key_create(ctx: Context, identity: str | None, force: bool) -> None:
    """Make a new signing key, kept readable by you only in the config folder."""
    from vaudit.audits.signing import create_own_key

    made = create_own_key(identity or ctx.actor.replace(" ", "_"), force=force)
    click.echo(f"created {made.path} ({made.fingerprint})")
    click.echo("give reviewers this allowed_signers line (`vaudit key show` prints it again):")
    click.echo(_line(made.identity, made.public_blob))


@key.command("show")
@click.option(
    "--key",
    "key_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="An OpenSSH private key file instead of vaudit's own key.",
)
@click.option("--identity", help="The identity to name (default: the key's comment).")
def key_show(key_file: Path | None, identity: str | None) -> None:
    """Print the allowed_signers line reviewers need to check your signatures."""
    loaded = load_key(str(key_file) if key_file else None)
    name = identity or loaded.identity
    if not name:
        raise click.UsageError("the key has no comment naming its owner: give --identity")
    click.echo(_line(name, loaded.public_blob))


def _line(identity: str, blob: bytes) -> str:
    from vaudit.audits.signing import allowed_signers_line

    return allowed_signers_line(identity, blob)
