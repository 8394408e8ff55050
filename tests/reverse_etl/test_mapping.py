"""The write-back mapping file is validated on load, with errors that say where the problem is."""

from __future__ import annotations

import pytest

from orchestration.reverse_etl.mapping import DEFAULT_MAPPING, MappingError, load_mapping


def write(tmp_path, text: str):
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    return path


def test_the_shipped_mapping_writes_the_promised_fields():
    mapping = load_mapping(DEFAULT_MAPPING)
    sending = {name: set(m.sending()) for name, m in mapping.objects.items()}
    assert sending == {
        "Opportunity": {"ARR__c", "MRR__c", "Stage_Category__c", "Contract_Status__c"},
        "OrderItem": {"ffrrRecognizedToDate__c", "ffrrAmortizedToDate__c", "ffrrRevenueRecognitionComplete__c"},
        "Account": {"Total_ARR__c"},
    }
    assert all(m.id_column and m.upsert is None for m in mapping.objects.values())


@pytest.mark.parametrize(("text", "message"), [
    ("version: 1\nobjects:\n  Opportunity:\n    source: s\n    id_column: id\n    fields:\n"
     "      ARR__c: {column: arr, direction: sned}\n",
     "objects.Opportunity.fields.ARR__c.direction: Input should be 'send', 'receive', 'both' or 'none'"),
    ("version: 1\nobjects:\n  Opportunity:\n    source: s\n    fields:\n      ARR__c: {column: arr}\n",
     "objects.Opportunity: give exactly one of id_column"),
    ("version: 1\nobjects:\n  Opportunity:\n    source: s\n    id_column: id\n    fields: {}\n",
     "objects.Opportunity.fields: (List|Dictionary) should have at least 1 item"),
    ("version: 2\nobjects: {}\n", "version: Input should be 1"),
    ("version: 1\nobjects:\n  Opportunity:\n    source: s\n    id_column: id\n    delete: true\n    fields:\n"
     "      ARR__c: {column: arr}\n", "objects.Opportunity.delete: Extra inputs are not permitted"),
    ("version: 1\nobjects:\n  Opportunity:\n    source: 'x; drop table y'\n    id_column: id\n    fields:\n"
     "      ARR__c: {column: arr}\n", "source must be a table or schema.table name"),
    ("version: 1\nobjects: [", "not valid YAML"),
])
def test_invalid_mappings_are_refused_with_the_place_of_the_problem(tmp_path, text, message):
    with pytest.raises(MappingError, match=message):
        load_mapping(write(tmp_path, text))


def test_a_missing_mapping_file_is_named(tmp_path):
    with pytest.raises(MappingError, match=r"write-back mapping not found: .*nowhere\.yaml"):
        load_mapping(tmp_path / "nowhere.yaml")
