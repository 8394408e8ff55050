"""Configured extraction filters cannot inject SOQL: extra fields are resolved against describe() and
anything that is not a field the org reports is left out (and reported); the incremental watermark is a
datetime rendered by the code, never text from configuration."""

from datetime import datetime
from urllib.parse import unquote_plus

from orchestration.salesforce.extract import build_soql
from tests.salesforce.test_sync import client_for, in_process, org_dir, query, sync  # noqa: F401

ATTEMPTS = (
    "Name FROM Account WHERE Name != null --",
    "Id, (SELECT Id FROM OpportunityLineItems)",
    "Account.Name FROM Opportunity WHERE IsDeleted = true",
    "Amount) FROM Opportunity; DELETE",
    "Name' OR '1'='1",
)


def test_injection_attempts_in_extra_fields_are_reported_and_never_sent(org_dir, tmp_path):  # noqa: F811
    client = client_for(in_process(org_dir))
    sent: list[str] = []
    client.sf.session.hooks["response"].append(
        lambda response, *args, **kwargs: sent.append(unquote_plus(response.request.url)
                                                      + str(response.request.body or "")))
    database = tmp_path / "w.duckdb"

    result = sync(client, database, "Opportunity", extra_fields=ATTEMPTS, bulk_threshold=10)

    skipped = " ".join(result.skipped_fields)
    for attempt in ATTEMPTS:
        assert f"Opportunity.{attempt}: configured extra field skipped" in skipped
    queries = [text for text in sent if "SELECT" in text.upper()]
    assert queries, "the extract should have sent its query"
    for text in queries:
        for fragment in ("--", "DELETE", "OpportunityLineItems)", "'1'='1", "IsDeleted = true"):
            assert fragment not in text, (fragment, text)
    assert query(database, "SELECT count(*) FROM raw.opportunity")[0][0] > 0


def test_the_incremental_filter_is_a_rendered_datetime():
    soql = build_soql("Opportunity", ["Id"], since=datetime(2026, 1, 2, 3, 4, 5, 678000))
    assert soql == "SELECT Id FROM Opportunity WHERE SystemModstamp >= 2026-01-02T03:04:05.678Z"
