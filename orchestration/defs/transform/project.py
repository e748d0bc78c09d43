"""The dbt project and its manifest, prepared so definitions load anywhere.

`@dbt_assets` reads `target/manifest.json` when the code location loads. dagster-dbt's own
`prepare_if_dev()` parses only under `dagster dev`, and then on every load — the code server, each
run worker and each step process, ~6 s apiece on a 2-core machine. Tests and `crosswalk run` load
definitions outside `dagster dev` and still need a manifest that matches the files. So the rule
here, everywhere: run `dbt parse` when the manifest is missing or older than any file or folder of
the project (models, macros, seeds, snapshots, tests, yml; a folder's mtime catches deletions and
renames). Checking costs a directory walk (milliseconds); parsing happens once per change.
What the mtimes cannot see: a change only in an environment variable read at parse time; run
`dbt parse` (or touch `dbt_project.yml`) after one.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"
# Outputs of dbt, never its inputs.
GENERATED_DIRS = frozenset({"target", "logs", "dbt_packages"})


def newest_input_mtime(project_dir: Path) -> float:
    """The latest modification time of any file or folder dbt reads in `project_dir`."""
    newest = project_dir.stat().st_mtime
    for root, dirs, files in os.walk(project_dir):
        dirs[:] = [d for d in dirs if not (Path(root) == project_dir and d in GENERATED_DIRS)]
        for name in (*dirs, *files):
            try:
                newest = max(newest, (Path(root) / name).stat().st_mtime)
            except FileNotFoundError:  # removed while walking: the folder's mtime says so
                continue
    return newest


def manifest_is_stale(project_dir: Path, manifest_path: Path) -> bool:
    """Whether `manifest_path` is missing or older than some input of the dbt project."""
    try:
        built = manifest_path.stat().st_mtime
    except FileNotFoundError:
        return True
    return newest_input_mtime(project_dir) > built


class DbtParseFailed(RuntimeError):
    """`dbt parse` failed: the dbt project has an error (the message carries dbt's output)."""


def dbt_executable() -> str:
    """The `dbt` of this Python environment, found even when its bin/ is not on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


def prepare_manifest(project: DbtProject) -> bool:
    """Run `dbt parse` for `project` if its manifest is stale; return whether it parsed.

    Several processes may load definitions at once (a run's workers, tests): one parses under a
    file lock, the others wait and find the manifest fresh.
    """
    if not manifest_is_stale(project.project_dir, project.manifest_path):
        return False
    project.manifest_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = project.manifest_path.with_name("manifest.parse-lock")
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not manifest_is_stale(project.project_dir, project.manifest_path):
            return False
        result = subprocess.run(
            [
                dbt_executable(),
                "parse",
                "--quiet",
                "--project-dir",
                str(project.project_dir),
                "--profiles-dir",
                str(project.profiles_dir),
                "--target-path",
                str(project.project_dir / project.target_path),
            ],
            cwd=project.project_dir,
            env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
            capture_output=True,
            text=True,
        )
    if result.returncode != 0:
        raise DbtParseFailed(
            f"dbt parse failed in {project.project_dir} (exit {result.returncode}):\n"
            f"{(result.stdout + result.stderr)[-4000:]}"
        )
    return True


def crosswalk_dbt_project(project_dir: Path = DBT_PROJECT_DIR) -> DbtProject:
    """The crosswalk dbt project, its manifest up to date."""
    project = DbtProject(project_dir=project_dir)
    prepare_manifest(project)
    return project
