"""dbt run folders: the newest are kept, older ones go, and nothing a running build may still use is touched."""

from __future__ import annotations

import os
import time

from orchestration.defs.transform.target_retention import prune_run_folders


def make_folder(target, name: str, age_hours: float):
    folder = target / name
    (folder / "compiled").mkdir(parents=True)
    (folder / "run_results.json").write_text("{}")
    stamp = time.time() - age_hours * 3600
    os.utime(folder, (stamp, stamp))
    return folder


def test_all_but_the_newest_old_folders_are_removed(tmp_path):
    folders = [make_folder(tmp_path, f"revenue_models-run{i:02d}-abc", age_hours=2 + i) for i in range(14)]
    other = make_folder(tmp_path, "other_op-run00-abc", age_hours=50)
    (tmp_path / "manifest.json").write_text("{}")
    removed = prune_run_folders(tmp_path, "revenue_models", keep=10)
    assert sorted(removed) == sorted(folders[10:])
    assert all(f.exists() for f in folders[:10])
    assert other.exists() and (tmp_path / "manifest.json").exists()


def test_a_recent_folder_is_kept_however_many_there_are(tmp_path):
    recent = [make_folder(tmp_path, f"revenue_models-run{i:02d}-abc", age_hours=i / 100) for i in range(5)]
    removed = prune_run_folders(tmp_path, "revenue_models", keep=2)
    assert removed == [] and all(f.exists() for f in recent)
