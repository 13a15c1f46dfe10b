"""What the bench scripts share: runs alternated with their baseline, medians and p95, whole
processes timed with their peak memory, and scaled databases built once and kept.

Imported by the scripts beside it (`python bench/x.py` puts this folder on sys.path).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Where scaled databases are kept between runs (building 30,000 audits takes minutes).
CACHE = Path(os.environ.get("VAUDIT_BENCH_CACHE", Path.home() / ".cache" / "vaudit-bench"))


def alternate(
    measured: Callable[[], float], baseline: Callable[[], float], runs: int
) -> tuple[list[float], list[float]]:
    """`runs` of each, taken in turn (baseline, measured, baseline, measured …), so a change in
    the machine's load lands on both."""
    got: list[float] = []
    bare: list[float] = []
    for _ in range(runs):
        bare.append(baseline())
        got.append(measured())
    return got, bare


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def run_process(command: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run a whole process (output discarded); its wall seconds and peak RSS in KiB."""
    started = time.perf_counter()
    process = subprocess.Popen(
        list(command), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        err = process.stderr.read().decode() if process.stderr else ""
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}): {err[-2000:]}")
    if process.stderr:
        process.stderr.close()
    return seconds, usage.ru_maxrss


def cores() -> int:
    return os.cpu_count() or 1


def scaled_db(audits: int, url: str | None = None, cache: Path = CACHE) -> str:
    """A database of `audits` audits built by scale_db.py: a SQLite file kept in `cache`
    (built on first use), or built into the empty database `url` names.

    Built in a child process: a child forked from a bench that had built it in memory would
    start with the bench's resident memory, and its peak memory would be misread."""
    vendors = max(min(1000, audits), audits // 10)

    def build(target: str) -> None:
        subprocess.run(
            [
                sys.executable,
                str(HERE / "scale_db.py"),
                target,
                "--audits",
                str(audits),
                "--vendors",
                str(vendors),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    if url is not None:
        build(url)
        return url
    path = cache / f"scale-{audits}.sqlite"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        partial = cache / f"scale-{audits}.building-{os.getpid()}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        print(f"building {path} ({audits} audits)…", file=sys.stderr, flush=True)
        build(str(partial))
        partial.replace(path)  # another bench may have built it meanwhile: the same data
    return str(path)


@contextmanager
def postgresql() -> Iterator[Callable[[], str]]:
    """A local PostgreSQL server (VAUDIT_TEST_PG_URL's, or a throw-away cluster started with
    the server binaries, as the tests do); yields a function giving a new empty database."""
    sys.path.insert(0, str(ROOT))
    from tests.support import pg_server

    with pg_server.server() as server:

        def fresh() -> str:
            return server.url_of(server.create())

        yield fresh
