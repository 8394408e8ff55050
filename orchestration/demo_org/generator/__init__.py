"""Deterministic, seeded data for the demo org: a B2B SaaS company's Salesforce, warts and all.

``generate_org(scale, seed, reference_date, billing_package)`` returns one Arrow table per sObject of the
schema (columns = the stored fields, in schema order) plus the list of records made wrong on purpose
(``planted``), so tests can check the pipeline reports exactly those. ``write_csv_dir`` exports the org
as ``<ApiName>.csv`` files with a ``_manifest.json``. Everything is vectorised with numpy so a million
opportunities generate in minutes; the same arguments always give byte-identical output.

Modules, in the order generate_org runs them: catalogue (users, price books, products, stages, FX rates),
contracts (renewal chains and amendments), accounts, line_items, opportunities, orders, billing; plus
columns/calendar (numpy -> Arrow, date arithmetic) and csv_io.
"""

from orchestration.demo_org.generator.core import generate_org
from orchestration.demo_org.generator.csv_io import write_csv_dir, write_tables_csv
from orchestration.demo_org.generator.model import GeneratedOrg, PlantedIssue

__all__ = ["GeneratedOrg", "PlantedIssue", "generate_org", "write_csv_dir", "write_tables_csv"]
