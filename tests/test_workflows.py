"""The CI workflows: GitHub's (Pages, for pilots) and Forgejo's (object storage).

actionlint checks both with .github/actionlint.yaml (the Forgejo runner's label, the
repository variables, and the one check Forgejo's full-URL ``uses:`` must skip). The steps
that hold logic (the Pages size limit, the cache keys, the deploy) are run or read here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / ".github" / "actionlint.yaml"
GITHUB = sorted((REPO / ".github" / "workflows").glob("*.yml"))
FORGEJO = REPO / ".forgejo" / "workflows" / "deploy.yml"
# For the private intake repository; kept here so it is linted and versioned with the code.
INTAKE = REPO / "deploy" / "intake" / "intake.yml"
ONE_GB = 1_000_000_000


def _actionlint() -> str:
    found = Path(sys.executable).parent / "actionlint"
    if found.exists():
        return str(found)
    other = shutil.which("actionlint")
    if not other:
        pytest.fail("actionlint is missing: run `make setup-test` (the test extra)", pytrace=False)
    return other


def _lint(*paths: Path, config: Path = CONFIG) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_actionlint(), "-no-color", "-config-file", str(config), *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )


def _steps(path: Path, job: str) -> list[dict]:
    return yaml.safe_load(path.read_text("utf-8"))["jobs"][job]["steps"]


def _step(path: Path, job: str, name: str) -> dict:
    return next(s for s in _steps(path, job) if s.get("name") == name)


def test_every_workflow_passes_actionlint():
    assert GITHUB and FORGEJO.exists() and INTAKE.exists()
    result = _lint(*GITHUB, FORGEJO, INTAKE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_the_full_url_check_is_ignored_for_forgejo(tmp_path):
    """Without the ignore, actionlint reports exactly the full-URL actions, nothing else."""
    config = yaml.safe_load(CONFIG.read_text("utf-8"))
    config.pop("paths")
    bare = tmp_path / "actionlint.yaml"
    bare.write_text(yaml.safe_dump(config), "utf-8")
    result = _lint(FORGEJO, config=bare)
    assert result.returncode == 1
    reported = [line for line in result.stdout.splitlines() if line.startswith(".forgejo/")]
    uses = [s["uses"] for s in _steps(FORGEJO, "site") if "uses" in s]
    assert len(reported) == len(uses) == 4
    assert all("in invalid format" in line and "[action]" in line for line in reported)


def test_actionlint_catches_a_misspelt_variable(tmp_path):
    """The variables list is live: a typo in a vars. name fails the lint."""
    broken = tmp_path / ".forgejo" / "workflows" / "deploy.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        FORGEJO.read_text("utf-8").replace("SUNLIGHT_S3_TARGET }}", "SUNLIGHT_S3_TARGT }}")
    )
    result = _lint(broken)
    assert result.returncode == 1 and "SUNLIGHT_S3_TARGT" in result.stdout


# --------------------------------------------------------------------------- Pages' limit


def _run_size_check(site_parent: Path) -> subprocess.CompletedProcess:
    script = _step(
        REPO / ".github/workflows/site.yml", "build", "Check the site fits GitHub Pages (1 GB)"
    )
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script["run"]],
        cwd=site_parent,
        capture_output=True,
        text=True,
    )


def test_pages_refuses_a_site_over_one_gigabyte(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    # A sparse file: du -sb counts its apparent size without writing a gigabyte.
    with (site / "big.bin").open("wb") as handle:
        handle.truncate(ONE_GB + 1)
    result = _run_size_check(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "::error title=" in result.stdout
    assert "1 GB" in result.stdout and "对象存储" in result.stdout
    assert "sunlight deploy" in result.stdout and "maintainers.md" in result.stdout


def test_pages_accepts_the_sample_site(built_site):
    result = _run_size_check(built_site.parent)
    assert result.returncode == 0, result.stdout
    assert "GitHub Pages allows" in result.stdout


def test_the_size_check_runs_before_the_upload():
    names = [
        s.get("name") or s.get("uses") for s in _steps(REPO / ".github/workflows/site.yml", "build")
    ]
    check = names.index("Check the site fits GitHub Pages (1 GB)")
    assert check < names.index("actions/upload-pages-artifact@v3")


# --------------------------------------------------------------------------- Forgejo


SITE = REPO / ".github" / "workflows" / "site.yml"
# The workflows that build the site with the engine's cache: (file, job).
CACHED = [(FORGEJO, "site"), (SITE, "build")]


def _scope(workflow: Path, job: str, event: str, ref_name: str, number: int | None = None) -> str:
    """CACHE_SCOPE as the runner computes it: the expression's two branches."""
    expression = yaml.safe_load(workflow.read_text("utf-8"))["jobs"][job]["env"]["CACHE_SCOPE"]
    assert "github.event_name == 'pull_request'" in expression
    if event == "pull_request":
        assert "format('sunlight-build-pr-{0}', github.event.pull_request.number)" in expression
        return f"sunlight-build-pr-{number}"
    assert "format('sunlight-build-{0}', github.ref_name)" in expression
    return f"sunlight-build-{ref_name}"


@pytest.mark.parametrize("workflow, job", CACHED, ids=lambda v: getattr(v, "name", v))
def test_a_pull_request_never_saves_under_mains_cache_key(workflow, job):
    env = yaml.safe_load(workflow.read_text("utf-8"))["jobs"][job]["env"]
    main_scope = env["MAIN_SCOPE"]
    assert _scope(workflow, job, "push", "main") == main_scope
    pr_scope = _scope(workflow, job, "pull_request", "feature", 42)
    assert not pr_scope.startswith(main_scope)

    save = _step(workflow, job, "Save the engine's cache")
    restore = _step(workflow, job, "Restore the engine's cache")
    steps = _steps(workflow, job)
    build = next(i for i, s in enumerate(steps) if s.get("run", "").startswith("sunlight build"))
    assert steps.index(restore) < build < steps.index(save)
    assert save["uses"].endswith("actions/cache/save@v4")
    assert restore["uses"].endswith("actions/cache/restore@v4")
    assert save["with"]["key"] == "${{ env.CACHE_SCOPE }}-${{ github.sha }}"
    # Restores its own branch's cache first, then main's (restore only).
    assert restore["with"]["restore-keys"].splitlines() == [
        "${{ env.CACHE_SCOPE }}-",
        "${{ env.MAIN_SCOPE }}-",
    ]
    # The engine's cache and the marker `sunlight build` needs to reuse build/.
    for step in (save, restore):
        assert step["with"]["path"].splitlines() == ["build/cache", "build/.sunlight-build"]


def test_forgejo_validates_builds_and_deploys_only_main_with_secrets_in_the_environment():
    steps = _steps(FORGEJO, "site")
    runs = [s.get("run", "") for s in steps]
    order = [
        next(i for i, r in enumerate(runs) if r.startswith(prefix))
        for prefix in ("sunlight validate", "sunlight build", "sunlight deploy")
    ]
    assert order == sorted(order)
    deploy = _step(FORGEJO, "site", "Publish to object storage")
    assert deploy["if"] == "github.ref == 'refs/heads/main' && github.event_name != 'pull_request'"
    assert "secrets." not in deploy["run"] and "AWS_SECRET" not in deploy["run"]
    assert deploy["env"]["AWS_ACCESS_KEY_ID"].startswith("${{ secrets.")
    assert deploy["env"]["AWS_SECRET_ACCESS_KEY"].startswith("${{ secrets.")
    # No GitHub-only features Forgejo lacks.
    text = FORGEJO.read_text("utf-8")
    assert "environment:" not in text and "--format github" not in text


def test_the_deploy_step_runs_as_written(tmp_path):
    """The step's shell line, with its variables as the runner sets them, gives the
    options sunlight deploy expects (gzip only when the variable is set)."""
    deploy = _step(FORGEJO, "site", "Publish to object storage")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "sunlight").write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    (fake / "sunlight").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{fake}:{os.environ['PATH']}",
        "TARGET": "s3://sunlight-site/www",
        "ADDRESSING": "virtual",
        "REGION": "cn-shanghai",
    }
    plain = subprocess.run(
        ["bash", "-c", deploy["run"]], env={**env, "GZIP": ""}, capture_output=True, text=True
    )
    assert plain.stdout.split() == [
        "deploy",
        "s3://sunlight-site/www",
        "--addressing",
        "virtual",
        "--region",
        "cn-shanghai",
    ]
    gz = subprocess.run(
        ["bash", "-c", deploy["run"]], env={**env, "GZIP": "1"}, capture_output=True, text=True
    )
    assert gz.stdout.split()[-1] == "--gzip"


# --------------------------------------------------------------------------- intake


def test_intake_pushes_only_the_estates_csvs_never_the_workbook():
    steps = _steps(INTAKE, "intake")
    imported = _step(INTAKE, "intake", "Import the uploaded workbooks")
    pushed = _step(INTAKE, "intake", "Push the CSVs and open or update the pull request")
    assert steps.index(imported) < steps.index(pushed)
    assert "sunlight intake" in imported["run"] and "--uploader" in imported["run"]
    adds = [line.strip() for line in pushed["run"].splitlines() if "git add" in line]
    assert adds == ['git add "data/estates/$estate"']
    assert "uploads" not in pushed["run"]
    # The uploader is the forge's account that pushed, not anything from the upload.
    assert imported["env"]["UPLOADER"] == "${{ github.actor }}"
    assert yaml.safe_load(INTAKE.read_text("utf-8"))[True]["push"]["paths"] == ["uploads/**"]
