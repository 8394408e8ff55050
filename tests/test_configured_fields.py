"""A configured field whose values do not fit the type it is read as (a contract date kept in a text field)
costs only its bad values: staging reads them as empty, the others as dates, and each bad one is listed for
fct_data_issues by object, record and field. Until this, one such value failed the cast and stopped the build."""

from __future__ import annotations

from datetime import date

import pytest

from tests.model_sandbox import ModelSandbox

pytestmark = pytest.mark.slow

MODELS = ["stg_salesforce__opportunities", "stg_salesforce__unfit_values"]


@pytest.fixture(scope="module")
def sandbox(refreshed_demo, tmp_path_factory):
    _, database, _ = refreshed_demo
    box = ModelSandbox(database, tmp_path_factory.mktemp("configured-fields"))
    # The org keeps its contract start dates in Description, a text field.
    sql = box.compile(MODELS, '{contract_start_date_field: "Description"}')
    con = box.connect()
    ids = [r[0] for r in con.execute(
        'select "Id" from raw.opportunity where not "IsDeleted" order by "Id" limit 4').fetchall()]
    con.execute('update raw.opportunity set "Description" = null')
    for record_id, text in zip(ids, ["2026-01-15", "next Tuesday", "2026-02-30", "2025-12-01"], strict=True):
        con.execute('update raw.opportunity set "Description" = ? where "Id" = ?', [text, record_id])
    yield box, sql, ids
    box.close()


def test_good_values_are_read_as_dates_and_bad_ones_as_empty(sandbox):
    box, sql, ids = sandbox
    rows = {r["opportunity_id"]: r["contract_start_date"]
            for r in box.rows(f"select * from ({sql['stg_salesforce__opportunities']}) where opportunity_id in "
                              f"({', '.join('?' * len(ids))})", ids)}
    assert [rows[i] for i in ids] == [date(2026, 1, 15), None, None, date(2025, 12, 1)]


def test_each_bad_value_is_listed_by_object_record_and_field(sandbox):
    box, sql, ids = sandbox
    unfit = box.rows(f"select * from ({sql['stg_salesforce__unfit_values']}) order by value")
    assert [(u["object"], u["record_id"], u["field"], u["value"], u["expected_type"]) for u in unfit] == [
        ("Opportunity", ids[2], "Description", "2026-02-30", "date"),
        ("Opportunity", ids[1], "Description", "next Tuesday", "date"),
    ]
