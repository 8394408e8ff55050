"""The SOQL compiler against a real DuckDB: compiled SQL must run and return what Salesforce would."""

import re
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import duckdb
import pytest

from orchestration.demo_org.errors import ApiError
from orchestration.demo_org.schema import build_schema
from orchestration.demo_org.soql import CompiledQuery, compile_soql
from orchestration.salesforce.ids import make_id

NOW = datetime(2024, 6, 15, 12, 0, 0)  # "today" is 2024-06-15
SCHEMA = build_schema()

A1, A2, A3, A4 = (make_id("001", n) for n in range(1, 5))
O1, O2, O3, O4, O5 = (make_id("006", n) for n in range(1, 6))
P1, P2, P3 = (make_id("01t", n) for n in range(1, 4))
L1, L2, L3 = (make_id("00k", n) for n in range(1, 4))
INJECTION_NAME = "Acme O'Brien'; DROP TABLE \"Opportunity\"; --"

ACCOUNTS = [
    dict(Id=A1, Name="Acme Corp", Type="Customer - Direct", BillingStreet="1 Main St",
         BillingCity="Springfield", BillingState="IL", BillingPostalCode="62701", BillingCountry="USA",
         Industry="Software", Is_Parent_Account__c=True),
    dict(Id=A2, Name="Globex", ParentId=A1, BillingCity="Paris", Is_Parent_Account__c=False),
    dict(Id=A3, Name="Initech", ParentId=A2, Industry="Retail", Is_Parent_Account__c=False),
    dict(Id=A4, Name="Deleted Co", IsDeleted=True, Is_Parent_Account__c=True),
]
OPPORTUNITIES = [
    dict(Id=O1, AccountId=A2, Name="Globex Renewal", StageName="Closed Won", Amount=Decimal("500.00"),
         CloseDate=date(2024, 6, 15), Type="Renewal", IsWon=True, CreatedDate=datetime(2024, 6, 15, 10)),
    dict(Id=O2, AccountId=A3, Name="Initech New", StageName="Prospecting", Amount=Decimal("1500.50"),
         CloseDate=date(2024, 6, 10), Type="New Business", IsWon=False,
         CreatedDate=datetime(2024, 6, 14, 23, 59, 59)),
    dict(Id=O3, Name="Orphan", StageName="Closed Lost", CloseDate=date(2024, 6, 14), IsWon=False,
         CreatedDate=datetime(2024, 1, 1)),
    dict(Id=O4, AccountId=A1, Name=INJECTION_NAME, StageName="Closed Won", Amount=Decimal("250.00"),
         CloseDate=date(2024, 6, 16), Type="Renewal", IsWon=True, Renews__c=O1,
         CreatedDate=datetime(2024, 6, 16)),
    dict(Id=O5, AccountId=A1, Name="Deleted Opp", StageName="Closed Won", CloseDate=date(2024, 6, 15),
         IsDeleted=True, IsWon=True, CreatedDate=datetime(2024, 6, 15)),
]
PRODUCTS = [
    dict(Id=P1, Name="Platform_Core", Family="Platform"),
    dict(Id=P2, Name="Support 100%", Family="Support"),
    dict(Id=P3, Name="PlatformXCore", Family="Platform"),
]
LINE_ITEMS = [
    dict(Id=L1, OpportunityId=O1, Product2Id=P1, Quantity=Decimal(1), UnitPrice=Decimal(500)),
    dict(Id=L2, OpportunityId=O2, Product2Id=P2, Quantity=Decimal(2), UnitPrice=Decimal(750)),
    dict(Id=L3, OpportunityId=O4, Product2Id=P3, Quantity=Decimal(1), UnitPrice=Decimal(250)),
]
NAMES = {O1: "Globex Renewal", O2: "Initech New", O3: "Orphan", O4: INJECTION_NAME, O5: "Deleted Opp"}


def _create_table(con, sobject_name: str, rows: list[dict], extra: dict[str, str] | None = None) -> None:
    """A plain table named like the sObject, with its stored columns (plus any formula columns given)."""
    sobject = SCHEMA.get(sobject_name)
    columns = {f.name: f.storage_type() for f in sobject.stored_fields()} | (extra or {})
    column_sql = ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns.items())
    con.execute(f'CREATE TABLE "{sobject.name}" ({column_sql})')
    names = list(columns)
    quoted = ", ".join(f'"{name}"' for name in names)
    placeholders = ", ".join("?" for _ in names)
    defaults = {"IsDeleted": False, "CurrencyIsoCode": "USD"}
    con.executemany(
        f'INSERT INTO "{sobject.name}" ({quoted}) VALUES ({placeholders})',
        [[{**defaults, **row}.get(name) for name in names] for row in rows],
    )


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    _create_table(connection, "Account", ACCOUNTS, extra={"Is_Parent_Account__c": "BOOLEAN"})
    _create_table(connection, "Opportunity", OPPORTUNITIES)
    _create_table(connection, "Product2", PRODUCTS)
    _create_table(connection, "OpportunityLineItem", LINE_ITEMS)
    yield connection
    connection.close()


def compile_(soql: str, include_deleted: bool = False) -> CompiledQuery:
    return compile_soql(soql, SCHEMA, include_deleted=include_deleted, now=NOW)


def rows(con, soql: str, include_deleted: bool = False) -> list[dict]:
    """Run a query and return its records keyed by the selected fields' labels."""
    query = compile_(soql, include_deleted)
    result = con.execute(query.sql, list(query.params)).fetchall()
    labels = [f.label for f in query.fields]
    # Hidden parent-Id columns follow the selected fields; they are checked by their own test.
    return [dict(zip(labels, row[: len(labels)], strict=True)) for row in result]


def ids(con, soql: str, include_deleted: bool = False) -> set[str]:
    return {row["Id"] for row in rows(con, soql, include_deleted)}


def api_error(soql: str) -> ApiError:
    with pytest.raises(ApiError) as caught:
        compile_(soql)
    assert caught.value.status == 400
    return caught.value


# ---------------------------------------------------------------------------------------------
# SELECT lists and relationships
# ---------------------------------------------------------------------------------------------


def test_plain_fields_and_selected_field_metadata(con):
    query = compile_("SELECT Id, Name FROM Account ORDER BY Name")
    assert [f.label for f in query.fields] == ["Id", "Name"]
    assert [f.alias for f in query.fields] == ["c0", "c1"]
    assert query.fields[1].field is SCHEMA.get("Account").field("Name")
    assert query.fields[1].owners == (SCHEMA.get("Account"),)
    assert query.sobject is SCHEMA.get("Account")
    assert not query.is_count and query.limit is None and query.offset is None
    assert [r["Name"] for r in rows(con, "SELECT Id, Name FROM Account ORDER BY Name")] == [
        "Acme Corp", "Globex", "Initech",
    ]


def test_names_are_case_insensitive_and_reported_in_canonical_case(con):
    query = compile_("select id, NAME, account.parent.name from OPPORTUNITY where ID = null")
    assert [f.path for f in query.fields] == [("Id",), ("Name",), ("Account", "Parent", "Name")]
    assert [f.label for f in query.fields] == ["Id", "Name", "Account.Parent.Name"]
    assert query.sobject.name == "Opportunity"


def test_parent_relationship_paths(con):
    query = compile_("SELECT Name, Account.Name, Account.Parent.Name FROM Opportunity")
    account = SCHEMA.get("Account")
    assert query.fields[2].owners == (SCHEMA.get("Opportunity"), account, account)
    assert query.fields[2].field is account.field("Name")
    soql = "SELECT Name, Account.Name, Account.Parent.Name FROM Opportunity"
    result = {r["Name"]: r for r in rows(con, soql)}
    assert result["Globex Renewal"]["Account.Name"] == "Globex"
    assert result["Globex Renewal"]["Account.Parent.Name"] == "Acme Corp"
    assert result["Initech New"]["Account.Parent.Name"] == "Globex"
    assert result[INJECTION_NAME]["Account.Parent.Name"] is None  # Acme has no parent
    assert result["Orphan"]["Account.Name"] is None  # no account at all


def test_paths_through_several_objects(con):
    result = rows(
        con,
        "SELECT Id, Product2.Name, Opportunity.Account.Parent.Name FROM OpportunityLineItem ORDER BY Id",
    )
    assert [(r["Product2.Name"], r["Opportunity.Account.Parent.Name"]) for r in result] == [
        ("Platform_Core", "Acme Corp"), ("Support 100%", "Globex"), ("PlatformXCore", None),
    ]


def test_repeated_relationship_paths_share_one_join():
    query = compile_(
        "SELECT Account.Name, Account.Industry, Account.Parent.Name FROM Opportunity "
        "WHERE Account.Name != null ORDER BY Account.Parent.Name"
    )
    assert query.sql.count("LEFT JOIN") == 2
    assert 'LEFT JOIN "Account" AS j1 ON j1."Id" = t."AccountId"' in query.sql
    assert 'LEFT JOIN "Account" AS j2 ON j2."Id" = j1."ParentId"' in query.sql


def test_custom_relationship(con):
    soql = "SELECT Id, Renews__r.Name, renews__R.StageName FROM Opportunity WHERE Renews__c != null"
    result = rows(con, soql)
    assert result == [{"Id": O4, "Renews__r.Name": "Globex Renewal", "Renews__r.StageName": "Closed Won"}]


def test_compound_address_is_a_struct(con):
    query = compile_("SELECT Name, BillingAddress FROM Account")
    assert query.fields[1].field.is_compound
    assert "struct_pack(" in query.sql
    result = {r["Name"]: r["BillingAddress"] for r in rows(con, "SELECT Name, BillingAddress FROM Account")}
    assert result["Acme Corp"] == {
        "street": "1 Main St", "city": "Springfield", "state": "IL", "postalCode": "62701", "country": "USA",
    }
    assert result["Globex"] == {
        "street": None, "city": "Paris", "state": None, "postalCode": None, "country": None,
    }
    assert result["Initech"] is None  # no component set: Salesforce returns null, not an empty address


def test_compound_address_through_a_relationship(con):
    result = rows(con, f"SELECT Account.BillingAddress FROM Opportunity WHERE Id = '{O4}'")
    assert result[0]["Account.BillingAddress"]["city"] == "Springfield"


def test_formula_field_column_is_selectable(con):
    result = rows(con, "SELECT Name, Is_Parent_Account__c FROM Account WHERE Is_Parent_Account__c = true")
    assert result == [{"Name": "Acme Corp", "Is_Parent_Account__c": True}]


# ---------------------------------------------------------------------------------------------
# WHERE
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Amount = 500", {O1}),
        ("Amount = 500.00", {O1}),
        ("Amount != 500", {O2, O3, O4}),  # Salesforce's != matches null values
        ("Amount <> 500", {O2, O3, O4}),
        ("Amount < 500", {O4}),
        ("Amount <= 500", {O1, O4}),
        ("Amount > 500", {O2}),
        ("Amount >= 500.0", {O1, O2}),
        ("Amount > -1.5", {O1, O2, O4}),
        ("Amount = null", {O3}),
        ("Amount != null", {O1, O2, O4}),
        ("IsWon = true", {O1, O4}),
        ("IsWon = FALSE", {O2, O3}),
        ("IsWon != true", {O2, O3}),
        ("Name = 'globex renewal'", {O1}),
        ("Name = 'GLOBEX RENEWAL'", {O1}),
        ("Name != 'Globex renewal'", {O2, O3, O4}),
        ("Name < 'H'", {O1, O4}),
        ("Name LIKE 'globex%'", {O1}),
        ("Name LIKE '%NEW'", {O2}),
        ("Name LIKE 'Orph_n'", {O3}),
        ("Name LIKE '%'", {O1, O2, O3, O4}),
        ("StageName IN ('closed won', 'Prospecting')", {O1, O2, O4}),
        ("StageName NOT IN ('Closed Won')", {O2, O3}),
        ("Type IN ('Renewal')", {O1, O4}),
        ("Type IN ('Renewal', null)", {O1, O3, O4}),
        ("Type NOT IN ('Renewal')", {O2, O3}),  # like !=, NOT IN keeps nulls
        ("Type NOT IN ('Renewal', null)", {O2}),
        ("Type = null", {O3}),
        ("Type != null", {O1, O2, O4}),
        ("Type != 'Renewal'", {O2, O3}),
        ("Account.Name = 'GLOBEX'", {O1}),
        ("Account.Parent.Name = 'acme corp'", {O1}),
        ("Account.Industry = null", {O1, O3}),
    ],
)
def test_where_operators(con, where, expected):
    assert ids(con, f"SELECT Id FROM Opportunity WHERE {where}") == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Type = 'Renewal' AND Amount > 300", {O1}),
        ("Type = 'Renewal' OR Amount > 1000", {O1, O2, O4}),
        ("Type = 'Renewal' AND Amount > 300 AND IsWon = true", {O1}),
        ("(Type = 'Renewal' AND Amount > 300) OR StageName = 'Prospecting'", {O1, O2}),
        ("Type = 'Renewal' AND (Amount > 300 OR StageName = 'Prospecting')", {O1}),
        ("NOT Type = 'Renewal'", {O2, O3}),  # the null Type counts as "not Renewal", as in Salesforce
        ("NOT (Type = 'Renewal' OR Amount = null)", {O2}),
        ("NOT Amount > 300 AND Type = 'Renewal'", {O4}),  # NOT binds to the next simple condition
        ("((Name LIKE 'G%'))", {O1}),
        ("Amount > 0 AND (NOT Type = 'Renewal')", {O2}),
    ],
)
def test_and_or_not(con, where, expected):
    assert ids(con, f"SELECT Id FROM Opportunity WHERE {where}") == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("CloseDate = 2024-06-15", {O1}),
        ("CloseDate > 2024-06-10", {O1, O3, O4}),
        ("CloseDate <= 2024-06-10", {O2}),
        ("CloseDate IN (2024-06-10, 2024-06-16)", {O2, O4}),
        ("CloseDate = TODAY", {O1}),
        ("CloseDate = today", {O1}),
        ("CloseDate = YESTERDAY", {O3}),
        ("CloseDate = TOMORROW", {O4}),
        ("CloseDate != TODAY", {O2, O3, O4}),
        ("CloseDate < TODAY", {O2, O3}),
        ("CloseDate <= TODAY", {O1, O2, O3}),
        ("CloseDate > TODAY", {O4}),
        ("CloseDate >= YESTERDAY", {O1, O3, O4}),
        ("CloseDate = LAST_N_DAYS:1", {O1, O3}),  # includes today
        ("CloseDate = LAST_N_DAYS:5", {O1, O2, O3}),
        ("CloseDate = NEXT_N_DAYS:1", {O4}),  # starts tomorrow
        ("CloseDate > LAST_N_DAYS:1", {O4}),
        ("CloseDate = N_DAYS_AGO:5", {O2}),
        ("CloseDate = THIS_MONTH", {O1, O2, O3, O4}),
        ("CloseDate = LAST_MONTH", set()),
        ("CloseDate IN (YESTERDAY, TOMORROW)", {O3, O4}),
        ("CreatedDate = TODAY", {O1}),
        ("CreatedDate = YESTERDAY", {O2}),
        ("CreatedDate = LAST_N_DAYS:1", {O1, O2}),
        ("CreatedDate < TODAY", {O2, O3}),
        ("CreatedDate > TODAY", {O4}),
        ("CreatedDate = LAST_YEAR", set()),
        ("CreatedDate = THIS_YEAR", {O1, O2, O3, O4}),
        ("CreatedDate = 2024-06-15T10:00:00Z", {O1}),
        ("CreatedDate = 2024-06-15T10:00:00.000Z", {O1}),
        ("CreatedDate > 2024-06-15T09:00:00Z", {O1, O4}),
        ("CreatedDate > 2024-06-15T11:00:00+02:00", {O1, O4}),  # 09:00 UTC
        ("CreatedDate < 2024-06-14T19:00:00-05:00", {O2, O3}),  # midnight UTC on the 15th
    ],
)
def test_date_and_datetime_filters(con, where, expected):
    assert ids(con, f"SELECT Id FROM Opportunity WHERE {where}") == expected


def test_date_literals_follow_now():
    earlier = compile_soql(
        "SELECT Id FROM Opportunity WHERE CloseDate = TODAY", SCHEMA, include_deleted=False,
        now=datetime(2020, 1, 1, 23, 59),
    )
    assert earlier.params == (date(2020, 1, 1), date(2020, 1, 2))
    datetimes = compile_("SELECT Id FROM Opportunity WHERE CreatedDate = TODAY")
    assert datetimes.params == (datetime(2024, 6, 15), datetime(2024, 6, 16))


def test_default_now_is_the_current_day():
    query = compile_soql("SELECT Id FROM Opportunity WHERE CloseDate = TODAY", SCHEMA, include_deleted=False)
    assert query.params[0] in {datetime.now(UTC).date(), date.today()}


def test_15_character_ids_are_normalised_to_18(con):
    assert ids(con, f"SELECT Id FROM Opportunity WHERE Id = '{O1[:15]}'") == {O1}
    assert ids(con, f"SELECT Id FROM Opportunity WHERE AccountId = '{A2[:15]}'") == {O1}
    assert ids(con, f"SELECT Id FROM Opportunity WHERE AccountId IN ('{A2[:15]}', '{A3}')") == {O1, O2}
    assert ids(con, f"SELECT Id FROM Opportunity WHERE Account.ParentId = '{A1[:15]}'") == {O1}
    assert compile_(f"SELECT Id FROM Account WHERE Id = '{A1[:15]}'").params == (A1,)


def test_id_comparisons_are_case_sensitive(con):
    swapped = O1[:15].swapcase()  # a valid, different 15-character id
    assert swapped != O1[:15]
    assert ids(con, f"SELECT Id FROM Opportunity WHERE Id = '{swapped}'") == set()


def test_empty_string_id_means_null(con):
    assert ids(con, "SELECT Id FROM Opportunity WHERE AccountId = ''") == {O3}


def test_like_escapes_and_wildcards(con):
    def names(where):
        return {r["Name"] for r in rows(con, f"SELECT Name FROM Product2 WHERE {where}")}

    assert names("Name LIKE 'Platform_Core'") == {"Platform_Core", "PlatformXCore"}
    assert names(r"Name LIKE 'Platform\_Core'") == {"Platform_Core"}
    assert names(r"Name LIKE '%\%'") == {"Support 100%"}
    assert names("Name LIKE '%1%'") == {"Support 100%"}


def test_string_escapes(con):
    soql = r"SELECT Id FROM Opportunity WHERE Name = 'Acme O\'Brien\'; DROP TABLE \"Opportunity\"; --'"
    assert ids(con, soql) == {O4}
    query = compile_(r"SELECT Id FROM Account WHERE Name = 'a\nb\tc\\d\'e\"f'")
    assert query.params == ("a\nb\tc\\d'e\"f",)


def test_injection_attempts_are_data(con):
    hostile = "x'; DROP TABLE \"Account\"; SELECT '1"
    query = compile_("SELECT Id FROM Account WHERE Name = 'x\\'; DROP TABLE \"Account\"; SELECT \\'1'")
    assert query.params == (hostile,)
    assert "DROP" not in query.sql
    assert con.execute(query.sql, list(query.params)).fetchall() == []
    assert con.execute('SELECT count(*) FROM "Account"').fetchone()[0] == len(ACCOUNTS)
    assert ids(con, "SELECT Id FROM Opportunity WHERE Name LIKE '%DROP TABLE%'") == {O4}


def test_values_never_appear_in_the_sql():
    query = compile_(
        "SELECT Id FROM Opportunity WHERE Name = 'secret-value' AND Amount > 12345 "
        "AND CloseDate = 2031-02-03 AND StageName IN ('zeta-stage') LIMIT 77 OFFSET 66"
    )
    for literal in ("secret-value", "12345", "2031", "zeta-stage", "77", "66"):
        assert literal not in query.sql
    assert query.params == ("secret-value", 12345, date(2031, 2, 3), "zeta-stage", 77, 66)
    assert query.sql.count("?") == len(query.params)


# ---------------------------------------------------------------------------------------------
# Deleted rows, ORDER BY, LIMIT / OFFSET, COUNT()
# ---------------------------------------------------------------------------------------------


def test_deleted_rows_are_hidden_unless_included(con):
    assert O5 not in ids(con, "SELECT Id FROM Opportunity")
    assert O5 in ids(con, "SELECT Id FROM Opportunity", include_deleted=True)
    assert ids(con, "SELECT Id FROM Account WHERE IsDeleted = true") == set()
    assert ids(con, "SELECT Id FROM Account WHERE IsDeleted = true", include_deleted=True) == {A4}
    assert 'NOT t."IsDeleted"' in compile_("SELECT Id FROM Account").sql
    assert "IsDeleted" not in compile_("SELECT Id FROM Account", include_deleted=True).sql


def test_objects_without_is_deleted_get_no_filter():
    assert "IsDeleted" not in compile_("SELECT Id FROM User").sql


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("Type", [O3, O2, O1, O4]),  # ASC defaults to NULLS FIRST; Id breaks the Renewal tie
        ("Type ASC", [O3, O2, O1, O4]),
        ("Type ASC NULLS LAST", [O2, O1, O4, O3]),
        ("Type DESC", [O1, O4, O2, O3]),  # DESC defaults to NULLS LAST
        ("Type DESC NULLS FIRST", [O3, O1, O4, O2]),
        ("Type DESC, Amount ASC", [O4, O1, O2, O3]),
        ("Amount DESC", [O2, O1, O4, O3]),
        ("CloseDate", [O2, O3, O1, O4]),
        ("Account.Name", [O3, O4, O1, O2]),
        ("Account.Parent.Name NULLS LAST, Name", [O1, O2, O4, O3]),
        ("Name", [O4, O1, O2, O3]),
    ],
)
def test_order_by(con, order_by, expected):
    result = rows(con, f"SELECT Id FROM Opportunity ORDER BY {order_by}")
    assert [r["Id"] for r in result] == expected


def test_text_ordering_is_case_insensitive():
    assert 'lower(t."Name") ASC NULLS FIRST' in compile_("SELECT Id FROM Account ORDER BY Name").sql
    assert 't."Id" DESC NULLS LAST' in compile_("SELECT Id FROM Account ORDER BY Id DESC").sql


def test_limit_and_offset(con):
    query = compile_("SELECT Id FROM Opportunity ORDER BY Amount DESC LIMIT 2 OFFSET 1")
    assert (query.limit, query.offset) == (2, 1)
    result = rows(con, "SELECT Id FROM Opportunity ORDER BY Amount DESC LIMIT 2 OFFSET 1")
    assert [r["Id"] for r in result] == [O1, O4]
    assert rows(con, "SELECT Id FROM Opportunity LIMIT 0") == []
    assert [r["Id"] for r in rows(con, "SELECT Id FROM Opportunity OFFSET 3")] == [O4]


def test_count(con):
    query = compile_("SELECT COUNT() FROM Opportunity WHERE Type = 'Renewal' ORDER BY Name LIMIT 1")
    assert query.is_count and query.fields == () and query.limit == 1
    assert query.sql.startswith('SELECT count(*) AS "count" FROM "Opportunity" AS t')
    assert "ORDER BY" not in query.sql and "LIMIT" not in query.sql
    assert con.execute(query.sql, list(query.params)).fetchone() == (2,)

    def count(soql, include_deleted=False):
        compiled = compile_(soql, include_deleted)
        return con.execute(compiled.sql, list(compiled.params)).fetchone()[0]

    assert count("SELECT COUNT() FROM Opportunity") == 4
    assert count("select count() from opportunity", include_deleted=True) == 5
    assert count("SELECT COUNT() FROM Opportunity WHERE Account.Parent.Name = 'Acme Corp'") == 1


def test_object_names_that_are_sql_keywords_are_quoted():
    query = compile_("SELECT Id, OrderNumber FROM Order WHERE Status = 'Draft' ORDER BY OrderNumber")
    assert 'FROM "Order" AS t' in query.sql
    assert query.sobject.name == "Order"


def test_parses_are_cached_but_compiles_are_not():
    first = compile_("SELECT Id FROM Opportunity WHERE CloseDate = TODAY")
    later = compile_soql("SELECT Id FROM Opportunity WHERE CloseDate = TODAY", SCHEMA, include_deleted=False,
                         now=datetime(2024, 6, 16))
    assert first.sql == later.sql and first.params != later.params
    assert compile_("SELECT Id FROM Opportunity WHERE CloseDate = TODAY") == first


def test_compiles_thousands_of_queries_per_second():
    started = time.perf_counter()
    for n in range(2000):
        compile_(f"SELECT Id, Name, Account.Name FROM Opportunity WHERE Amount > {n} AND Name LIKE 'A%'")
    assert time.perf_counter() - started < 2.0


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def position(error: ApiError) -> tuple[int, int]:
    found = re.search(r"ERROR at Row:(\d+):Column:(\d+)\n", error.message)
    assert found, error.message
    return int(found.group(1)), int(found.group(2))


def test_invalid_type_message_is_exactly_salesforces():
    error = api_error("SELECT Id FROM Foo")
    assert error.error_code == "INVALID_TYPE"
    assert error.message == (
        "\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\n"
        "sObject type 'Foo' is not supported. If you are attempting to use a custom object, "
        "be sure to append the '__c' after the entity name. "
        "Please reference your WSDL or the describe call for the appropriate names."
    )


def test_invalid_field_message_is_exactly_salesforces():
    error = api_error("SELECT Id, Foo FROM Account")
    assert error.error_code == "INVALID_FIELD"
    assert error.message == (
        "\nSELECT Id, Foo FROM Account\n           ^\nERROR at Row:1:Column:12\n"
        "No such column 'Foo' on entity 'Account'. If you are attempting to use a custom field, "
        "be sure to append the '__c' after the custom field name. "
        "Please reference your WSDL or the describe call for the appropriate names."
    )
    assert error.body() == [{"message": error.message, "errorCode": "INVALID_FIELD"}]


@pytest.mark.parametrize(
    ("soql", "column", "sentence"),
    [
        ("SELECT Foo.Name FROM Account", 8, "Didn't understand relationship 'Foo' in field path."),
        ("SELECT AccountId.Name FROM Opportunity", 8, "Didn't understand relationship 'AccountId'"),
        ("SELECT Account.Foo.Name FROM Opportunity", 8, "Didn't understand relationship 'Foo'"),
        ("SELECT Account.Foo FROM Opportunity", 8, "No such column 'Foo' on entity 'Account'."),
        ("SELECT Account FROM Opportunity", 8, "No such column 'Account' on entity 'Opportunity'."),
        ("SELECT Id FROM Account WHERE Foo = 1", 30, "No such column 'Foo' on entity 'Account'."),
        ("SELECT Id FROM Account ORDER BY Foo", 33, "No such column 'Foo' on entity 'Account'."),
        ("SELECT Id FROM Account WHERE BillingAddress = 'x'", 30,
         "field 'BillingAddress' can not be filtered in a query call"),
        ("SELECT Id FROM Account ORDER BY BillingAddress", 33,
         "field 'BillingAddress' can not be sorted in a query call"),
        ("SELECT Id FROM Account WHERE AnnualRevenue LIKE '1%'", 30, "LIKE can only be used with text"),
    ],
)
def test_invalid_field_errors(soql, column, sentence):
    error = api_error(soql)
    assert error.error_code == "INVALID_FIELD"
    assert position(error) == (1, column)
    assert sentence in error.message
    assert error.message.startswith(f"\n{soql}\n{' ' * (column - 1)}^\n")


@pytest.mark.parametrize(
    ("where", "field", "requirement"),
    [
        ("CloseDate = '2024-01-01'", "CloseDate", "must be of type date and should not be enclosed in"),
        ("CloseDate = 2024-01-01T00:00:00Z", "CloseDate", "must be of type date and should not be"),
        ("CloseDate > 5", "CloseDate", "must be of type date and should not be"),
        ("CreatedDate = 2024-01-01", "CreatedDate", "must be of type dateTime and should not be enclosed"),
        ("CreatedDate = '2024-01-01T00:00:00Z'", "CreatedDate", "must be of type dateTime and should not be"),
        ("IsWon = 'true'", "IsWon", "must be of type boolean and should not be enclosed in quotes"),
        ("IsWon = 1", "IsWon", "must be of type boolean"),
        ("Amount = '100'", "Amount", "must be of type double and should not be enclosed in quotes"),
        ("amount IN (1, '2')", "Amount", "must be of type double"),
        ("Name = 100", "Name", "must be of type string and should be enclosed in quotes"),
        ("Name = TODAY", "Name", "must be of type string and should be enclosed in quotes"),
        ("Name LIKE 5", "Name", "must be of type string"),
        ("StageName = true", "StageName", "must be of type string"),
        ("AccountId = 5", "AccountId", "must be of type string and should be enclosed in quotes"),
    ],
)
def test_filter_value_type_errors(where, field, requirement):
    error = api_error(f"SELECT Id FROM Opportunity WHERE {where}")
    assert error.error_code == "INVALID_FIELD"
    assert f"value of filter criterion for field '{field}' {requirement}" in error.message
    assert position(error)[0] == 1


@pytest.mark.parametrize(
    ("where", "bad"),
    [
        ("Id = 'abc'", "abc"),
        (f"AccountId IN ('{A2}', 'nope')", "nope"),
        ("Id = '001Dm0000000001AAAA'", "001Dm0000000001AAAA"),
        ("Account.ParentId != '001-Dm000000001'", "001-Dm000000001"),
    ],
)
def test_invalid_id_literals(where, bad):
    error = api_error(f"SELECT Id FROM Opportunity WHERE {where}")
    assert error.error_code == "INVALID_QUERY_FILTER_OPERATOR"
    assert error.message.endswith(f"\ninvalid ID field: {bad}")
    soql = f"SELECT Id FROM Opportunity WHERE {where}"
    assert position(error) == (1, soql.index(f"'{bad}'") + 1)


@pytest.mark.parametrize(
    ("soql", "label"),
    [
        ("SELECT Id, Name, name FROM Account", "Name"),
        ("SELECT Account.Name, account.NAME FROM Opportunity", "Account.Name"),
        ("SELECT BillingAddress, billingaddress FROM Account", "BillingAddress"),
    ],
)
def test_duplicate_fields(soql, label):
    error = api_error(soql)
    assert error.error_code == "MALFORMED_QUERY"
    assert error.message.endswith(f"\nduplicate field selected: {label}")
    assert position(error) == (1, soql.lower().rindex(label.lower()) + 1)


@pytest.mark.parametrize(
    ("soql", "column", "sentence"),
    [
        ("", 1, "unexpected token: <EOF>"),
        ("   ", 4, "unexpected token: <EOF>"),
        ("DELETE FROM Account", 1, "unexpected token: 'DELETE'"),
        ("SELECT FROM Account", 8, "unexpected token: 'FROM'"),
        ("SELECT Id, FROM Account", 12, "unexpected token: 'FROM'"),
        ("SELECT Id Account", 11, "unexpected token: 'Account'"),
        ("SELECT Id FROM", 15, "unexpected token: <EOF>"),
        ("SELECT Id FROM WHERE", 16, "unexpected token: 'WHERE'"),
        ("SELECT Id FROM Account garbage", 24, "unexpected token: 'garbage'"),
        ("SELECT Id FROM Account a WHERE a.Name = 'x'", 24, "unexpected token: 'a'"),
        ("SELECT Id FROM Account;", 23, "unexpected token: ';'"),
        ("SELECT Id FROM Account WHERE Name = \"x\"", 37, "unexpected token: '\"'"),
        ("SELECT Id FROM Account WHERE Name = 'abc", 37, "mismatched character '<EOF>' expecting '''"),
        ("SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b' OR Type = 'c'", 56, "token: 'OR'"),
        ("SELECT Id FROM Account WHERE Name = 'a' OR Type = 'b' AND Type = 'c'", 55, "token: 'AND'"),
        ("SELECT Id FROM Account WHERE Name = 'a' AND NOT Type = 'b'", 45, "unexpected token: 'NOT'"),
        ("SELECT Id FROM Account WHERE Name = 'a' AND", 44, "unexpected token: <EOF>"),
        ("SELECT Id FROM Account WHERE (Name = 'a'", 41, "unexpected token: <EOF>"),
        ("SELECT Id FROM Account WHERE Name 'a'", 35, "unexpected token: ''a''"),
        ("SELECT Id FROM Account WHERE Name = Type", 37, "unexpected token: 'Type'"),
        ("SELECT Id FROM Account WHERE Name IN ()", 39, "unexpected token: ')'"),
        ("SELECT Id FROM Account WHERE Name = :name", 37, "unexpected token: ':'"),
        ("SELECT Id FROM Account LIMIT -1", 30, "unexpected token: '-1'"),
        ("SELECT Id FROM Account LIMIT 1.5", 30, "unexpected token: '1.5'"),
        ("SELECT Id FROM Account LIMIT", 29, "unexpected token: <EOF>"),
        ("SELECT Id FROM Account OFFSET 1 LIMIT 1", 33, "unexpected token: 'LIMIT'"),
        ("SELECT Id FROM Account ORDER BY Name ASC NULLS", 47, "unexpected token: <EOF>"),
        ("SELECT Id FROM Account WHERE CreatedDate > 2024-01-01T00:00:00", 54, "unexpected token: 'T00'"),
        ("SELECT Id FROM Account WHERE Name = 'a\\q'", 37, "Illegal character sequence '\\q' in string"),
        ("SELECT Id FROM Account WHERE Name = 'a\\%'", 37, "Illegal character sequence '\\%' in string"),
        ("SELECT Id FROM Opportunity WHERE CloseDate = 2024-02-30", 46, "invalid date: 2024-02-30"),
        ("SELECT Id FROM Opportunity WHERE CreatedDate = 2024-02-01T25:00:00Z", 48, "invalid dateTime"),
        ("SELECT Id FROM Opportunity WHERE CloseDate = LAST_N_DAYS", 57, "unexpected token: <EOF>"),
    ],
)
def test_malformed_queries(soql, column, sentence):
    error = api_error(soql)
    assert error.error_code == "MALFORMED_QUERY"
    assert position(error) == (1, column)
    assert error.message.endswith("\n" + sentence) or sentence in error.message


@pytest.mark.parametrize(
    ("soql", "feature"),
    [
        ("SELECT Type, COUNT(Id) FROM Account GROUP BY Type", "COUNT(...)"),
        ("SELECT COUNT(Id) FROM Account", "COUNT(...)"),
        ("SELECT sum(AnnualRevenue) FROM Account", "SUM(...)"),
        ("SELECT FIELDS(ALL) FROM Account LIMIT 200", "FIELDS(...)"),
        ("SELECT Id FROM Account GROUP BY Id", "GROUP BY"),
        ("SELECT Id FROM Account WHERE Name = 'a' HAVING Id = null", "HAVING"),
        ("SELECT Id, (SELECT Id FROM Opportunities) FROM Account", "child relationship subquery"),
        ("SELECT TYPEOF Owner WHEN User THEN Name END FROM Account", "TYPEOF"),
        ("SELECT Id FROM Account WITH SECURITY_ENFORCED", "WITH"),
        ("SELECT Id FROM Account FOR UPDATE", "FOR"),
        ("SELECT Id FROM Account USING SCOPE Mine", "USING SCOPE"),
        ("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity)", "semi-join"),
        ("SELECT Id FROM Account WHERE Industry INCLUDES ('Software')", "INCLUDES"),
        ("SELECT Id FROM Opportunity WHERE CloseDate = THIS_WEEK", "THIS_WEEK"),
        ("SELECT Id FROM Opportunity WHERE CloseDate = LAST_N_QUARTERS:2", "LAST_N_QUARTERS"),
        ("SELECT COUNT(), Id FROM Account", None),
    ],
)
def test_unsupported_syntax_is_malformed(soql, feature):
    error = api_error(soql)
    assert error.error_code == "MALFORMED_QUERY"
    position(error)
    if feature is not None:
        assert feature in error.message and "is not supported by the demo org" in error.message


@pytest.mark.parametrize(
    ("where", "sentence"),
    [
        ("CloseDate = NEXT_N_DAYS:3000000", "date literal out of range: NEXT_N_DAYS:3000000"),
        ("CreatedDate > 0001-01-01T00:00:00+01:00", "invalid dateTime"),
        ("CloseDate = LAST_N_DAYS:99999999999", "unexpected token: '99999999999'"),
        ("(" * 150 + "Amount > 0" + ")" * 150, "Nesting conditions more than 100 deep"),
    ],
)
def test_out_of_range_input_is_a_query_error_not_a_crash(where, sentence):
    error = api_error(f"SELECT Id FROM Opportunity WHERE {where}")
    assert error.error_code == "MALFORMED_QUERY"
    assert sentence in error.message


def test_huge_numbers_bind_as_decimals(con):
    query = compile_(
        "SELECT Id FROM Opportunity WHERE Amount < 999999999999999999999999999999 LIMIT 2147483647"
    )
    assert query.params == (Decimal("999999999999999999999999999999"), 2147483647)
    assert len(con.execute(query.sql, list(query.params)).fetchall()) == 3


def test_nested_parentheses_within_the_limit(con):
    assert ids(con, "SELECT Id FROM Opportunity WHERE " + "(" * 50 + "Amount > 1000" + ")" * 50) == {O2}


def test_error_positions_on_later_lines():
    soql = "SELECT Id,\n  Name\nFROM Opportunity\nWHERE  Foo = 1\nLIMIT 5"
    error = api_error(soql)
    assert error.error_code == "INVALID_FIELD"
    assert position(error) == (4, 8)
    assert error.message.startswith("\nSELECT Id,\n  Name\nFROM Opportunity\nWHERE  Foo = 1\n       ^\n")


def test_syntax_errors_win_over_name_errors():
    assert api_error("SELECT Foo FROM Bar WHERE").error_code == "MALFORMED_QUERY"
    assert api_error("SELECT Foo FROM Bar").error_code == "INVALID_TYPE"


def test_objects_missing_from_the_schema_are_invalid_types():
    no_billing = build_schema(billing_package=False)
    with pytest.raises(ApiError) as caught:
        compile_soql("SELECT Id FROM blng__Invoice__c", no_billing, include_deleted=False, now=NOW)
    assert caught.value.error_code == "INVALID_TYPE"
    assert compile_("SELECT Id, blng__Account__r.Name FROM blng__Invoice__c").fields[1].label == (
        "blng__Account__r.Name"
    )


def test_parent_ids_are_selected_for_every_relationship_prefix(con):
    query = compile_("SELECT Id, Account.Name, Account.Parent.Name FROM Opportunity")
    assert [prefix for prefix, _ in query.parent_ids] == [("Account",), ("Account", "Parent")]
    result = con.execute(query.sql, list(query.params)).fetchall()
    width = len(query.fields)
    for row in result:
        account_id, parent_id = row[width], row[width + 1]
        if row[1] is not None:
            assert account_id is not None
        if parent_id is not None:
            assert row[2] is not None
