"""The demo org against real simple-salesforce, over the in-process transport and over HTTP on loopback.

Every endpoint the pipeline uses, Salesforce's error shapes, the API limit header and budget, and each
injected fault, as simple-salesforce (and requests) see them.
"""

from __future__ import annotations

import base64
import csv
import io

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from orchestration.demo_org.auth import DemoCredentials
from orchestration.demo_org.server import DemoOrgServer
from orchestration.demo_org.transport import LoopbackAdapter, in_process_session
from tests.conftest import login

# ---------------------------------------------------------------------------------------------
# Login
# ---------------------------------------------------------------------------------------------


def test_soap_login_gives_session_and_instance(sf):
    assert sf.sf_instance == "northwind-demo.my.salesforce.com"
    assert sf.session_id.startswith("00DDm0000000001!")


@pytest.mark.parametrize("transport", ["in_process", pytest.param("http", marks=pytest.mark.network)])
def test_soap_login_rejects_a_wrong_password(tiny_org, transport):
    creds = DemoCredentials()
    with DemoOrgServer(tiny_org) as server:
        session = in_process_session(tiny_org) if transport == "in_process" else requests.Session()
        if transport == "http":
            session.mount("https://", LoopbackAdapter(server.url))
        with pytest.raises(SalesforceAuthenticationFailed) as failure:
            Salesforce(username=creds.username, password="wrong", security_token=creds.security_token,
                       session=session)
    assert failure.value.code == "INVALID_LOGIN"


def test_oauth_client_credentials_and_password_grants(tiny_org):
    creds = DemoCredentials()
    by_client = Salesforce(consumer_key=creds.consumer_key, consumer_secret=creds.consumer_secret,
                           domain="northwind-demo.my", session=in_process_session(tiny_org))
    assert by_client.query("SELECT COUNT() FROM Account")["totalSize"] == 4500
    by_password = Salesforce(username=creds.username, password=creds.password, consumer_key=creds.consumer_key,
                             consumer_secret=creds.consumer_secret, session=in_process_session(tiny_org))
    assert by_password.sf_instance == "northwind-demo.my.salesforce.com"
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        Salesforce(consumer_key=creds.consumer_key, consumer_secret="nope", domain="northwind-demo.my",
                   session=in_process_session(tiny_org))
    assert failure.value.code == "invalid_client"


def test_requests_without_a_session_get_invalid_session_id(tiny_org):
    sf = login(tiny_org, "in_process")
    tiny_org.sessions.invalidate_all()
    response = sf.session.get(sf.base_url + "limits", headers={"Authorization": "Bearer stale"})
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"


# ---------------------------------------------------------------------------------------------
# Query and queryAll
# ---------------------------------------------------------------------------------------------


def test_query_pages_by_2000_with_next_records_url(sf):
    first = sf.query("SELECT Id, Name FROM Account ORDER BY Name")
    assert first["totalSize"] == 4500 and not first["done"] and len(first["records"]) == 2000
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    third = sf.query_more(second["nextRecordsUrl"], identifier_is_url=True)
    assert len(second["records"]) == 2000 and len(third["records"]) == 500 and third["done"]
    names = [r["Name"] for page in (first, second, third) for r in page["records"]]
    assert names == sorted(names) and len(set(names)) == 4500


def test_batch_size_header_sets_the_page_size(sf):
    page = sf.query("SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=500"})
    assert len(page["records"]) == 500


def test_query_values_types_and_parent_relationships(sf, tiny_org):
    record = sf.query("SELECT Id, Name, Amount, CloseDate, CreatedDate, AccountId, Account.Name, "
                      "Account.Parent.Name FROM Opportunity WHERE Name = 'deal 1'")["records"][0]
    assert record["attributes"]["type"] == "Opportunity"
    assert record["Amount"] == 24000.0
    assert record["CloseDate"] == "2026-01-02"
    assert record["CreatedDate"].endswith("+0000") and "T" in record["CreatedDate"]
    assert record["Account"]["Name"] == "Account 00001"
    assert record["Account"]["attributes"]["url"].endswith("/sobjects/Account/" + record["AccountId"])
    assert record["Account"]["Parent"]["Name"] == "Account 00000"
    orphan = sf.query("SELECT Id, Parent.Name FROM Account WHERE Name = 'Account 00002'")["records"][0]
    assert orphan["Parent"] is None


def test_query_all_returns_soft_deleted_rows_and_query_does_not(sf, tiny_org):
    victim = sf.query("SELECT Id FROM Account WHERE Name = 'Account 00042'")["records"][0]["Id"]
    sf.Account.delete(victim)
    assert sf.query(f"SELECT Id FROM Account WHERE Id = '{victim}'")["totalSize"] == 0
    rows = sf.query_all(f"SELECT Id, IsDeleted FROM Account WHERE Id = '{victim}'", include_deleted=True)
    assert rows["records"][0]["IsDeleted"] is True


def test_count_query(sf):
    assert sf.query("SELECT COUNT() FROM Account WHERE BillingCity = 'Lisbon'")["totalSize"] == 2250


@pytest.mark.parametrize(("soql", "code"), [
    ("SELECT Id, Nope__c FROM Account", "INVALID_FIELD"),
    ("SELECT Id FROM Nope__c", "INVALID_TYPE"),
    ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY"),
    ("SELECT Id FROM Opportunity WHERE CloseDate = '2026-01-01'", "INVALID_FIELD"),
])
def test_query_errors_use_salesforce_codes_and_status(sf, soql, code):
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.query(soql)
    assert failure.value.status == 400
    assert failure.value.content[0]["errorCode"] == code
    assert "ERROR at Row:1:Column:" in failure.value.content[0]["message"]


# ---------------------------------------------------------------------------------------------
# Describe
# ---------------------------------------------------------------------------------------------


def test_describe_global_lists_objects_and_sobject_describe_tells_field_flags(sf):
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert {"Account", "Opportunity", "OrderItem", "blng__Invoice__c", "DatedConversionRate"} <= names
    fields = {f["name"]: f for f in sf.Opportunity.describe()["fields"]}
    assert fields["Contract_Term_Months__c"]["calculated"] is True
    assert fields["Contract_Term_Months__c"]["updateable"] is False
    assert fields["ARR__c"]["updateable"] is True and fields["ARR__c"]["type"] == "currency"
    assert fields["External_Id__c"]["externalId"] is True
    account = {f["name"]: f for f in sf.Account.describe()["fields"]}
    assert account["BillingAddress"]["type"] == "address"
    assert account["BillingCity"]["compoundFieldName"] == "BillingAddress"


# ---------------------------------------------------------------------------------------------
# Records: get, update, upsert
# ---------------------------------------------------------------------------------------------


def test_get_update_and_get_by_external_id(sf):
    record = sf.Opportunity.get_by_custom_id("External_Id__c", "OPP-0")
    assert sf.Opportunity.update(record["Id"], {"ARR__c": 12000, "Stage_Category__c": "Booked"}) == 204
    fresh = sf.Opportunity.get(record["Id"])
    assert fresh["ARR__c"] == 12000.0 and fresh["Stage_Category__c"] == "Booked"
    assert fresh["SystemModstamp"] > record["SystemModstamp"]
    with pytest.raises(SalesforceResourceNotFound):
        sf.Opportunity.get("006Dm0000000000AAA")


def test_update_refuses_formula_fields_and_unknown_fields(sf):
    opportunity = sf.Opportunity.get_by_custom_id("External_Id__c", "OPP-1")["Id"]
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.Opportunity.update(opportunity, {"Contract_Term_Months__c": 12})
    assert failure.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert failure.value.content[0]["fields"] == ["Contract_Term_Months__c"]
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.Opportunity.update(opportunity, {"Nope__c": 1})
    assert failure.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_upsert_by_external_id_creates_then_updates(sf, tiny_org):
    created = sf.Account.upsert("External_Id__c/ACC-NEW-1", {"Name": "Brand New", "CurrencyIsoCode": "USD",
                                                              "OwnerId": tiny_org.user_id})
    assert created == 201
    updated = sf.Account.upsert("External_Id__c/ACC-NEW-1", {"Total_ARR__c": 1000})
    assert updated == 200
    record = sf.Account.get_by_custom_id("External_Id__c", "ACC-NEW-1")
    assert record["Name"] == "Brand New" and record["Total_ARR__c"] == 1000.0


def test_external_id_matching_two_records_is_a_300(tiny_org):
    sf = login(tiny_org, "in_process")
    tiny_org.store.insert("Account", {"Name": "dup", "OwnerId": tiny_org.user_id, "CurrencyIsoCode": "USD",
                                      "External_Id__c": "ACC-00001"})
    with pytest.raises(SalesforceMoreThanOneRecord):
        sf.Account.get_by_custom_id("External_Id__c", "ACC-00001")


# ---------------------------------------------------------------------------------------------
# Composite sObject collections
# ---------------------------------------------------------------------------------------------


def _opportunity_ids(sf) -> list[str]:
    return [r["Id"] for r in sf.query("SELECT Id FROM Opportunity ORDER BY Name")["records"]]


def test_collection_update_reports_each_record(sf):
    ids = _opportunity_ids(sf)
    results = sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": False, "records": [
        {"attributes": {"type": "Opportunity"}, "id": ids[0], "MRR__c": 100},
        {"attributes": {"type": "Opportunity"}, "id": ids[1], "Contract_Term_Months__c": 1},
        {"attributes": {"type": "Opportunity"}, "id": "006Dm0000000000AAA", "MRR__c": 1},
    ]})
    assert results[0] == {"id": ids[0], "success": True, "errors": []}
    assert results[1]["success"] is False
    assert results[1]["errors"][0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert results[2]["errors"][0]["statusCode"] == "NOT_FOUND"
    assert sf.Opportunity.get(ids[0])["MRR__c"] == 100.0


def test_collection_all_or_none_rolls_everything_back(sf):
    ids = _opportunity_ids(sf)
    results = sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": True, "records": [
        {"attributes": {"type": "Opportunity"}, "id": ids[0], "MRR__c": 555},
        {"attributes": {"type": "Opportunity"}, "id": ids[1], "Nope__c": 1},
    ]})
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert sf.Opportunity.get(ids[0])["MRR__c"] is None


def test_collection_refuses_more_than_200_records(sf):
    records = [{"attributes": {"type": "Account"}, "id": "001Dm0000000001AAA", "Total_ARR__c": 1}] * 201
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": False, "records": records})
    assert failure.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_collection_upsert_by_external_id(sf, tiny_org):
    results = sf.restful("composite/sobjects/Account/External_Id__c", method="PATCH", json={
        "allOrNone": False, "records": [
            {"attributes": {"type": "Account"}, "External_Id__c": "ACC-00002", "Total_ARR__c": 7},
            {"attributes": {"type": "Account"}, "External_Id__c": "ACC-NEW-2", "Name": "Made by upsert",
             "OwnerId": tiny_org.user_id, "CurrencyIsoCode": "USD"},
        ]})
    assert [r["created"] for r in results] == [False, True]
    assert sf.Account.get_by_custom_id("External_Id__c", "ACC-00002")["Total_ARR__c"] == 7.0


# ---------------------------------------------------------------------------------------------
# Bulk API 2.0
# ---------------------------------------------------------------------------------------------


def test_bulk_query_pages_csv_by_locator(sf):
    pages = list(sf.bulk2.Account.query("SELECT Id, Name, AnnualRevenue, CreatedDate FROM Account",
                                        max_records=2000, wait=0.05))
    assert len(pages) == 3
    rows = [row for page in pages for row in csv.DictReader(io.StringIO(page))]
    assert len(rows) == 4500 and len({r["Id"] for r in rows}) == 4500
    assert rows[1]["AnnualRevenue"] == "1000.50"
    assert rows[0]["AnnualRevenue"] == ""
    assert rows[0]["CreatedDate"] == "2026-10-01T12:00:00.000Z" and rows[1]["CreatedDate"] == "2026-10-01T11:00:00.000Z"


def test_bulk_query_all_includes_deleted_and_refuses_compound_fields(sf):
    victim = sf.query("SELECT Id FROM Account WHERE Name = 'Account 00007'")["records"][0]["Id"]
    sf.Account.delete(victim)
    text = "".join(sf.bulk2.Account.query_all(f"SELECT Id, IsDeleted FROM Account WHERE Id = '{victim}'",
                                              wait=0.05))
    assert '"true"' in text
    with pytest.raises(SalesforceMalformedRequest):
        list(sf.bulk2.Account.query("SELECT Id, BillingAddress FROM Account", wait=0.05))


def test_bulk_job_lifecycle_endpoints(sf):
    client = sf.bulk2.Account._client
    job = client.create_job("query", "SELECT Id FROM Account")
    assert job["state"] == "UploadComplete" and job["contentType"] == "CSV"
    assert client.get_job(job["id"], True)["state"] == "JobComplete"
    result = client.get_query_results(job["id"], "", 1000)
    assert result["number_of_records"] == 1000 and base64.b64decode(result["locator"] + "==") == b"1000"
    # Salesforce answers a job delete with 204 and no body (simple-salesforce's delete_job expects JSON).
    deleted = sf.session.delete(f"{sf.bulk2_url}query/{job['id']}", headers=client.headers)
    assert deleted.status_code == 204
    with pytest.raises(SalesforceResourceNotFound):
        client.get_job(job["id"], True)


# ---------------------------------------------------------------------------------------------
# Limits and the daily budget
# ---------------------------------------------------------------------------------------------


def test_limit_info_header_and_limits_resource(sf, tiny_org):
    sf.query("SELECT Id FROM Account LIMIT 1")
    usage = sf.api_usage["api-usage"]
    assert usage.total == 100_000 and usage.used == tiny_org.limits.used
    assert sf.limits()["DailyApiRequests"]["Max"] == 100_000


def test_daily_budget_exhausted_gives_request_limit_exceeded(sf, tiny_org):
    tiny_org.limits.set_used(tiny_org.limits.daily_limit)
    with pytest.raises(SalesforceRefusedRequest) as failure:
        sf.query("SELECT Id FROM Account LIMIT 1")
    assert failure.value.status == 403
    assert failure.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


# ---------------------------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------------------------


def test_5xx_fault(sf, tiny_org):
    tiny_org.faults.add("status", path="/query", status=503, times=1)
    with pytest.raises(SalesforceGeneralError) as failure:
        sf.query("SELECT Id FROM Account LIMIT 1")
    assert failure.value.status == 503
    assert sf.query("SELECT Id FROM Account LIMIT 1")["totalSize"] == 1


def test_timeout_fault(sf, tiny_org):
    tiny_org.faults.add("timeout", path="/query", times=1)
    with pytest.raises(requests.exceptions.Timeout):
        sf.query("SELECT Id FROM Account LIMIT 1")


def test_dropped_connection_mid_page(sf, tiny_org):
    tiny_org.faults.add("drop", path="/query/01g", bytes_before_drop=100, times=1)
    first = sf.query("SELECT Id, Name FROM Account")
    with pytest.raises((requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    again = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert len(again["records"]) == 2000


def test_invalid_session_mid_pagination_relogs_in_and_continues(sf, tiny_org):
    tiny_org.faults.add("invalid_session", path="/query/01g", times=1)
    logins_before = tiny_org.sessions.logins
    rows = sf.query_all("SELECT Id FROM Account")
    assert rows["totalSize"] == 4500 and len(rows["records"]) == 4500
    assert tiny_org.sessions.logins == logins_before + 1


def test_session_expiry_is_a_401_for_callers_without_a_login_to_repeat(tiny_org):
    sf = login(tiny_org, "in_process")
    raw = Salesforce(instance_url=sf.base_url.split("/services")[0], session_id=sf.session_id,
                     session=in_process_session(tiny_org))
    tiny_org.faults.add("invalid_session", path="/query", times=1)
    with pytest.raises(SalesforceExpiredSession):
        raw.query("SELECT Id FROM Account LIMIT 1")


def test_request_limit_fault(sf, tiny_org):
    tiny_org.faults.add("request_limit", path="/query", times=1)
    with pytest.raises(SalesforceRefusedRequest) as failure:
        sf.query("SELECT Id FROM Account LIMIT 1")
    assert failure.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


def test_lock_row_then_success(sf, tiny_org):
    opportunity = _opportunity_ids(sf)[0]
    tiny_org.faults.add("lock_row", path="/sobjects/Opportunity", record_ids={opportunity}, times=1)
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.Opportunity.update(opportunity, {"ARR__c": 1})
    assert failure.value.content[0]["errorCode"] == "UNABLE_TO_LOCK_ROW"
    assert sf.Opportunity.update(opportunity, {"ARR__c": 1}) == 204


def test_validation_rule_rejects_chosen_records_only(sf, tiny_org):
    ids = _opportunity_ids(sf)
    tiny_org.faults.add("validation_rule", path="/composite/sobjects", record_ids={ids[1]}, times=0,
                        message="ARR cannot change on a closed deal")
    results = sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": False, "records": [
        {"attributes": {"type": "Opportunity"}, "id": i, "ARR__c": 5} for i in ids]})
    assert [r["success"] for r in results] == [True, False, True]
    assert results[1]["errors"][0] == {"statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                                       "message": "ARR cannot change on a closed deal", "fields": []}


@pytest.mark.network
def test_faults_can_be_switched_over_http(tiny_org):
    with DemoOrgServer(tiny_org) as server:
        created = requests.post(f"{server.url}/_demo/faults", json={"kind": "status", "status": 500,
                                                                    "path": "/limits"}, timeout=5)
        assert created.status_code == 201
        sf = login(tiny_org, "http", server)
        with pytest.raises(SalesforceGeneralError):
            sf.limits()
        assert requests.delete(f"{server.url}/_demo/faults", timeout=5).status_code == 204
        assert sf.limits()["DailyApiRequests"]["Max"] == 100_000
