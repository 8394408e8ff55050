"""The dbt project as Dagster sees it, and the manifest its assets are built from.

``make`` refreshes the manifest whenever a model changes, and ``dagster dev`` re-parses on start; a fresh
checkout without one parses once here, so the code location always loads.
"""

import logging

from dagster_dbt import DbtProject

from orchestration.paths import DBT_PROJECT_DIR

log = logging.getLogger(__name__)

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    log.info("no dbt manifest at %s yet: running dbt parse", dbt_project.manifest_path)
    dbt_project.preparer.prepare(dbt_project)
