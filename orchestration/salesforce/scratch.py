"""Scratch folders for extract spools that a killed run does not leak.

An extract is spooled to Parquet in a temporary folder before it is loaded. A ``TemporaryDirectory`` is
removed when the sync ends, but a run killed outright (SIGKILL: the OOM killer, a redeploy, a lost machine)
never gets that far, and its spool, hundreds of MB for a million-row object, stays in the temp folder for
good: every crash would leak another one until the disk fills.

So each folder holds a lock file that its process keeps locked (``flock``) while it works, and the kernel
drops the lock when the process dies, however it dies. Before making its folder an extract removes every
folder whose lock it can take: their owners are gone. A live extract's lock cannot be taken, so concurrent
steps and runs never lose their spools. Liveness is judged by the lock rather than by a process id, which
may be reused or belong to another PID namespace sharing the temp folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

PREFIX = "revenue-extract-"
LOCK = ".owner.lock"


@contextlib.contextmanager
def scratch_dir(name: str, root: Path | None = None) -> Iterator[Path]:
    """A new temporary folder for ``name``, removed on exit; abandoned ones are swept away first."""
    root = Path(root or tempfile.gettempdir())
    sweep(root)
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{name}-", dir=root))
    # Locked before it gets its real name: a sweep never sees the lock file unlocked while we live.
    claiming = folder / f"{LOCK}.claiming"
    lock = os.open(claiming, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        claiming.rename(folder / LOCK)
        yield folder
    finally:
        _remove(folder)
        os.close(lock)


def sweep(root: Path | None = None) -> list[Path]:
    """Remove the scratch folders of processes that are gone; returns what was removed."""
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            lock = os.open(folder / LOCK, os.O_RDWR)
        except OSError:
            continue  # still being set up, or not one of ours
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(lock)
            continue  # its owner is alive
        try:
            _remove(folder)
            removed.append(folder)
        finally:
            os.close(lock)
    return removed


def _remove(folder: Path) -> None:
    """The lock file goes last, so a sweep killed halfway leaves a folder the next sweep still recognises."""
    with contextlib.suppress(FileNotFoundError):
        for entry in folder.iterdir():
            if entry.name == LOCK:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    (folder / LOCK).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()
