"""Every public mart is documented in dbt docs with a doc block holding example queries, and every example runs.

The doc blocks live beside each marts folder's model yml (``_<folder>__docs.md``); the yml descriptions point at
them. The example queries run, read-only, on the demo org refreshed through Dagster (the session's shared run).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
MARTS_DIR = REPO_ROOT / "dbt_project" / "models" / "marts"
OVERVIEW = REPO_ROOT / "dbt_project" / "models" / "overview.md"

DOC_BLOCK = re.compile(r"{%-?\s*docs\s+(\w+)\s*-?%}(.*?){%-?\s*enddocs\s*-?%}", re.DOTALL)
SQL_BLOCK = re.compile(r"^```sql[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def doc_files() -> list[Path]:
    return sorted(MARTS_DIR.glob("*/_*__docs.md"))


def doc_blocks() -> list[tuple[Path, str, str]]:
    """(file, block name, block body) for every doc block of the marts docs files."""
    return [(path, name, body) for path in doc_files() for name, body in DOC_BLOCK.findall(path.read_text())]


def mart_models() -> list[Path]:
    return sorted(MARTS_DIR.glob("*/*.sql"))


def examples() -> list[tuple[str, str]]:
    """(test id, query) for every ```sql block of every marts doc block."""
    found = []
    for _, name, body in doc_blocks():
        for number, query in enumerate(SQL_BLOCK.findall(body), start=1):
            found.append((f"{name}-{number}", query.strip()))
    return found


def test_docs_files_exist_and_blocks_are_unique():
    assert doc_files(), f"no _<folder>__docs.md files under {MARTS_DIR}"
    names = [name for _, name, _ in doc_blocks()]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    assert not duplicates, f"doc blocks defined more than once: {duplicates}"


@pytest.mark.parametrize("model", mart_models(), ids=lambda path: path.stem)
def test_every_mart_has_a_doc_block_with_an_example_query(model: Path):
    blocks = {name: (path, body) for path, name, body in doc_blocks()}
    assert model.stem in blocks, f"{model.relative_to(REPO_ROOT)} has no {{% docs {model.stem} %}} block"
    path, body = blocks[model.stem]
    expected = model.parent / f"_{model.parent.name}__docs.md"
    assert path == expected, f"the doc block of {model.stem} is in {path.name}, expected beside it in {expected.name}"
    assert "**Grain:**" in body, f"the doc block of {model.stem} has no **Grain:** line"
    assert "**Example queries**" in body, f"the doc block of {model.stem} has no **Example queries** section"
    assert SQL_BLOCK.search(body), f"the doc block of {model.stem} has no ```sql example query"


def test_every_mart_description_references_its_doc_block():
    described = {}
    for yml in sorted(MARTS_DIR.glob("*/_*__models.yml")):
        for model in yaml.safe_load(yml.read_text()).get("models", []):
            described[model["name"]] = (yml, (model.get("description") or "").strip())
    for model in mart_models():
        assert model.stem in described, f"{model.stem} is not in any marts _<folder>__models.yml"
        yml, description = described[model.stem]
        pattern = r"""{{\s*doc\(\s*["']""" + re.escape(model.stem) + r"""["']\s*\)\s*}}"""
        assert re.fullmatch(pattern, description), (
            f"{yml.name}: the description of {model.stem} should be '{{{{ doc(\"{model.stem}\") }}}}', "
            f"not {description[:80]!r}"
        )


def test_project_overview_page_exists():
    text = OVERVIEW.read_text()
    assert re.search(r"{%-?\s*docs\s+__overview__\s*-?%}", text), f"{OVERVIEW.name} has no __overview__ doc block"


@pytest.fixture(scope="module")
def warehouse(refreshed_demo) -> Iterator[duckdb.DuckDBPyConnection]:
    """The demo org refreshed through Dagster: every example must return rows on it."""
    _, database, result = refreshed_demo
    assert result.success, "the demo refresh failed; see tests/test_operations.py"
    con = duckdb.connect(str(database), read_only=True)
    yield con
    con.close()


@pytest.mark.slow
@pytest.mark.parametrize("query", [query for _, query in examples()], ids=[name for name, _ in examples()])
def test_example_query_runs_and_returns_rows(warehouse: duckdb.DuckDBPyConnection, query: str):
    rows = warehouse.sql(query).fetchall()
    assert rows, f"the example query returned no rows:\n{query}"
