"""Extract scratch folders: removed when the sync ends, and swept away after a process that was killed."""

import os
import signal
import subprocess
import sys

import pytest

from orchestration.paths import PROJECT_ROOT
from orchestration.salesforce.scratch import LOCK, PREFIX, scratch_dir, sweep

HOLDER = """
import sys
from pathlib import Path
from orchestration.salesforce.scratch import scratch_dir
with scratch_dir("opportunity", Path(sys.argv[1])) as folder:
    (folder / "opportunity.partial").write_bytes(b"half a spool")
    print(folder, flush=True)
    sys.stdin.read()
"""


def test_a_scratch_folder_is_removed_when_the_sync_ends_or_fails(tmp_path):
    with scratch_dir("account", tmp_path) as folder:
        assert folder.name.startswith(f"{PREFIX}account-") and (folder / LOCK).exists()
        (folder / "account.parquet").write_bytes(b"spool")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError), scratch_dir("account", tmp_path) as folder:
        (folder / "sub").mkdir()
        raise RuntimeError("extract failed")
    assert list(tmp_path.iterdir()) == []


def test_the_folder_of_a_killed_process_is_swept_and_a_live_one_kept(tmp_path):
    # Closing its stdin (on leaving the block) ends the holder should an assertion fail before the kill.
    with subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], cwd=PROJECT_ROOT, text=True,
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE) as holder:
        folder = tmp_path / os.path.basename(holder.stdout.readline().strip())
        assert (folder / "opportunity.partial").exists()
        assert sweep(tmp_path) == [] and folder.exists()  # its owner is alive
        with scratch_dir("account", tmp_path):  # a new extract beside it leaves it alone too
            assert folder.exists()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    assert folder.exists()  # nothing cleaned up after the kill
    with scratch_dir("opportunity", tmp_path) as mine:  # the next extract sweeps it
        assert not folder.exists()
        assert [p.name for p in tmp_path.iterdir()] == [mine.name]


def test_a_folder_without_a_lock_file_is_not_ours_to_remove(tmp_path):
    stranger = tmp_path / f"{PREFIX}setting-up"
    stranger.mkdir()
    assert sweep(tmp_path) == []
    assert stranger.exists()
