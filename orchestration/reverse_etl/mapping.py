"""The write-back mapping: which Salesforce fields the pipeline may write, and from which columns.

The file is the allowlist: a field that is not mapped with direction send or both can never be written.
It is validated when loaded, and a mistake is reported with its place in the file, e.g.
``objects.Opportunity.fields.ARR__c.direction: must be one of send, receive, both, none``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_MAPPING = Path(__file__).with_name("mapping.yaml")
SENDING = ("send", "both")
_API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RELATION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


class MappingError(ValueError):
    """The mapping file is not valid; the message names the file and every problem in it."""


class FieldMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    column: str
    direction: Literal["send", "receive", "both", "none"] = "send"


class UpsertKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id_field: str
    column: str


class ObjectMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    id_column: str | None = None
    upsert: UpsertKey | None = None
    fields: dict[str, FieldMapping] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_way_to_find_records(self) -> ObjectMapping:
        if (self.id_column is None) == (self.upsert is None):
            raise ValueError("give exactly one of id_column (update by Id) or upsert (by an external Id field)")
        if not _RELATION.match(self.source):
            raise ValueError(f"source must be a table or schema.table name, not {self.source!r}")
        for name in [*self.fields, *([self.upsert.external_id_field] if self.upsert else [])]:
            if not _API_NAME.match(name):
                raise ValueError(f"{name!r} is not a Salesforce field API name")
        return self

    @property
    def key_column(self) -> str:
        return self.id_column or self.upsert.column

    def sending(self) -> dict[str, FieldMapping]:
        return {name: field for name, field in self.fields.items() if field.direction in SENDING}


class WriteBackMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    objects: dict[str, ObjectMapping] = Field(min_length=1)

    @model_validator(mode="after")
    def _object_names(self) -> WriteBackMapping:
        for name in self.objects:
            if not _API_NAME.match(name):
                raise ValueError(f"{name!r} is not a Salesforce object API name")
        return self


def _where(error: dict) -> str:
    return ".".join(str(part) for part in error["loc"]) or "(top level)"


def load_mapping(path: Path | str = DEFAULT_MAPPING) -> WriteBackMapping:
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise MappingError(f"write-back mapping not found: {path}") from None
    except yaml.YAMLError as error:
        raise MappingError(f"{path}: not valid YAML: {error}") from None
    try:
        return WriteBackMapping.model_validate(document)
    except ValidationError as error:
        problems = "; ".join(f"{_where(e)}: {e['msg'].removeprefix('Value error, ')}" for e in error.errors())
        raise MappingError(f"{path}: {problems}") from None
