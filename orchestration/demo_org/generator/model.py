"""What the generator hands back, and the shared state its steps pass along."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa

from orchestration.demo_org.generator.calendar import DAY, random_times
from orchestration.demo_org.generator.columns import build_table, timestamps
from orchestration.demo_org.schema import OrgSchema


@dataclass(frozen=True)
class PlantedIssue:
    """A record made wrong on purpose, so that tests can check the pipeline reports exactly it."""

    sobject: str  # API name, e.g. "OpportunityLineItem"
    record_id: str  # 18-char Id of the bad record
    field: str  # the field API name that is wrong
    kind: str  # short slug, e.g. "duplicate_sku"
    note: str


@dataclass(frozen=True)
class GeneratedOrg:
    tables: dict[str, pa.Table]  # sObject API name -> table
    planted: tuple[PlantedIssue, ...]
    seed: int
    scale: int
    reference_date: date


@dataclass
class Context:
    """Arguments, schema and the growing list of planted issues, shared by every generation step."""

    seed: int
    scale: int
    reference_date: date
    schema: OrgSchema
    billing: bool
    planted: list[PlantedIssue] = field(default_factory=list)

    @property
    def ref(self) -> np.datetime64:
        return np.datetime64(self.reference_date, "D")

    def rng(self, name: str) -> np.random.Generator:
        """One independent stream per step: changing how one object is drawn leaves the others unchanged."""
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])

    def table(self, name: str, n: int, values: dict) -> pa.Table:
        return build_table(self.schema.objects[name], n, values, billing=self.billing)

    def audit(
        self,
        rng: np.random.Generator,
        created: np.ndarray,
        modified: np.ndarray,
        created_by: pa.Array | str,
        modified_by: pa.Array | str | None = None,
    ) -> dict:
        """Audit fields: created on ``created`` (a day), last touched on ``modified``, never after "today".

        CreatedDate <= LastModifiedDate == SystemModstamp <= the end of the reference date, whatever the
        caller's day arithmetic produced.
        """
        ref_end = (self.ref + DAY).astype("datetime64[s]") - np.timedelta64(1, "s")
        created_at = np.minimum(random_times(rng, np.asarray(created, dtype="datetime64[D]")), ref_end)
        modified_at = random_times(rng, np.asarray(modified, dtype="datetime64[D]"), 8, 21)
        modified_at = timestamps(np.minimum(np.maximum(modified_at, created_at), ref_end))
        return {  # one array for both modified stamps, and for both user Ids when they agree: shared memory
            "CreatedDate": created_at,
            "CreatedById": created_by,
            "LastModifiedDate": modified_at,
            "LastModifiedById": created_by if modified_by is None else modified_by,
            "SystemModstamp": modified_at,
        }

    def plant(self, sobject: str, record_id: str, field_name: str, kind: str, note: str) -> None:
        self.planted.append(PlantedIssue(sobject, record_id, field_name, kind, note))
