"""The code stays ruff clean: a finding fails CI here rather than waiting for someone to run `make lint`."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUFF = str(Path(sys.executable).parent / "ruff")


def test_ruff_finds_nothing():
    completed = subprocess.run(
        [RUFF, "check", "--no-cache", "--output-format", "concise", "."],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_ruff_reports_a_finding_as_a_failure(tmp_path):
    """The check above can fail: the same configuration flags an unused import."""
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n")
    completed = subprocess.run(
        [RUFF, "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(sample)],
        capture_output=True, text=True, timeout=300)
    assert completed.returncode == 1 and "F401" in completed.stdout
