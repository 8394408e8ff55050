"""describe() payloads built from the schema, in the shape and with the flags Salesforce returns.

Clients decide what they may query and write from these flags (``calculated``, ``updateable``,
``externalId``, compound fields), so they must tell the truth about every field.
"""

from __future__ import annotations

from orchestration.demo_org.schema import SOAP_TYPES, Field, OrgSchema, SObject


def _object_urls(sobject: SObject, version: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{sobject.name}"
    return {
        "sobject": base,
        "describe": f"{base}/describe",
        "rowTemplate": f"{base}/{{ID}}",
    }


def _object_summary(sobject: SObject, version: str) -> dict:
    writable = sobject.name not in ("OpportunityStage", "DatedConversionRate")
    return {
        "activateable": False,
        "createable": writable,
        "custom": sobject.custom,
        "customSetting": False,
        "deletable": sobject.deletable and writable,
        "deprecatedAndHidden": False,
        "feedEnabled": False,
        "keyPrefix": sobject.key_prefix,
        "label": sobject.label,
        "labelPlural": sobject.label_plural,
        "layoutable": True,
        "mergeable": False,
        "mruEnabled": False,
        "name": sobject.name,
        "queryable": sobject.queryable,
        "replicateable": True,
        "retrieveable": True,
        "searchable": True,
        "triggerable": True,
        "undeletable": sobject.has_is_deleted,
        "updateable": writable,
        "urls": _object_urls(sobject, version),
    }


def describe_global(schema: OrgSchema, version: str) -> dict:
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [_object_summary(o, version) for o in sorted(schema, key=lambda o: o.name)],
    }


def describe_field(field: Field) -> dict:
    text_like = field.type in ("string", "textarea", "picklist", "email", "phone", "url", "id", "reference")
    return {
        "aggregatable": field.type not in ("textarea", "address"),
        "autoNumber": field.auto_number,
        "byteLength": field.length * 3 if text_like else 0,
        "calculated": field.calculated,
        "calculatedFormula": field.formula,
        "cascadeDelete": False,
        "caseSensitive": field.type in ("id", "reference"),
        "compoundFieldName": field.compound_field_name,
        "createable": field.createable,
        "custom": field.custom,
        "defaultValue": False if field.type == "boolean" else None,
        "defaultedOnCreate": field.type == "boolean" or field.name in (
            "Id", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp",
            "OwnerId", "CurrencyIsoCode",
        ),
        "dependentPicklist": False,
        "digits": field.precision if field.type == "int" else 0,
        "externalId": field.external_id,
        "filterable": field.type not in ("textarea", "address"),
        "groupable": field.type not in ("textarea", "address", "currency", "double", "percent", "datetime"),
        "htmlFormatted": False,
        "idLookup": field.name == "Id" or field.external_id or (field.name_field and not field.auto_number),
        "label": field.label,
        "length": field.length if text_like else 0,
        "name": field.name,
        "nameField": field.name_field,
        "nillable": field.nillable,
        "permissionable": field.nillable and field.custom,
        "picklistValues": [
            {"active": True, "defaultValue": False, "label": v, "validFor": None, "value": v}
            for v in field.picklist
        ],
        "precision": field.precision if field.type in ("currency", "double", "percent") else 0,
        "referenceTo": list(field.reference_to),
        "relationshipName": field.relationship_name,
        "restrictedPicklist": False,
        "scale": field.scale if field.type in ("currency", "double", "percent") else 0,
        "soapType": SOAP_TYPES[field.type],
        "sortable": field.type not in ("textarea", "address"),
        "type": field.type,
        "unique": field.unique,
        "updateable": field.updateable,
    }


def describe_sobject(sobject: SObject, schema: OrgSchema, version: str) -> dict:
    payload = _object_summary(sobject, version)
    payload["fields"] = [describe_field(f) for f in sobject.fields]
    payload["childRelationships"] = [
        {
            "cascadeDelete": False,
            "childSObject": child.name,
            "field": f.name,
            "relationshipName": None,
        }
        for child in schema
        for f in child.fields
        if f.reference_to == (sobject.name,)
    ]
    payload["recordTypeInfos"] = []
    return payload
