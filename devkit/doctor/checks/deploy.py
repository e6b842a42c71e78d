"""Project-file checks on the deploy: the images Cloud Build makes and the deploy runs, and the
deploy's variables.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from devkit.doctor.base import ProjectOutcome, Result
from devkit.doctor.checks.files import Findings, deploy_workflows, rel, where
from devkit.doctor.context import Context
from devkit.repo import cloudbuild
from devkit.repo.github import queries, workflows
from devkit.repo.monorepo import Project
from devkit.repo.projectfiles import CLOUDBUILD

# Cloud Run's container contract sets these; a deploy that sets them is refused.
RESERVED_VARIABLES = ("PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION")


def images(ctx: Context, out: ProjectOutcome) -> Result:
    """The image the deploy builds is the one it deploys, and cloudbuild.yaml names it too."""
    project = out.project
    deploys = deploy_workflows(ctx, project)
    if not deploys:
        return out.skip("no deploy workflow (see files.workflow_missing)")
    findings = Findings()
    checked: list[str] = []
    for workflow in deploys:
        project_id = queries.gcloud_project(workflow)
        for step in queries.steps_using(workflow, "google-github-actions/deploy-cloudrun"):
            ref = queries.step_input(step, "image")
            if ref is None:
                continue
            deployed = cloudbuild.image_name(ref.value, ref.line)
            checked.append(str(deployed))
            at = where(ctx, workflow.path, ref.line)
            for submit in queries.build_submits(workflow):
                if submit.tag is not None:
                    built = cloudbuild.image_name(submit.tag.value, submit.tag.line)
                    if str(built) != str(deployed):
                        built_at = where(ctx, workflow.path, built.line)
                        findings.fail(
                            f"the deploy builds `{built}` ({built_at}) "
                            f"but deploys `{deployed}` ({at}): Cloud Run runs an image this run "
                            "did not build"
                        )
                    _compare_cloudbuild(ctx, project, deployed, project_id, findings, used=False)
                else:
                    _compare_cloudbuild(ctx, project, deployed, project_id, findings, used=True)
    if not checked:
        return out.skip("the deploy names no image")
    return findings.result(
        out,
        f"builds and deploys {', '.join(checked)}",
        hint="name one image everywhere: the deploy's --tag and image:, cloudbuild.yaml's -t and "
        "images:",
    )


def _compare_cloudbuild(
    ctx: Context,
    project: Project,
    deployed: cloudbuild.ImageName,
    project_id: str | None,
    findings: Findings,
    *,
    used: bool,
) -> None:
    parsed = ctx.project_file(project, CLOUDBUILD)
    path = project.path / CLOUDBUILD
    if parsed is None and used:
        findings.fail(f"`gcloud builds submit` without --tag reads {rel(ctx, path)}: missing")
    if not isinstance(parsed, cloudbuild.CloudBuild) or not parsed.images:
        return
    names = [cloudbuild.resolve(i, project_id) for i in parsed.images]
    if used and str(deployed) not in {str(n) for n in names}:
        findings.fail(f"{rel(ctx, path)} pushes {_listed(ctx, path, names)}, not `{deployed}`")
    elif not used and deployed.repository not in {n.repository for n in names}:
        findings.warn(
            f"{rel(ctx, path)} names {_listed(ctx, path, names)}, not `{deployed.repository}`; "
            "the deploy's `gcloud builds submit --tag` builds the Dockerfile and never reads it"
        )


def _listed(ctx: Context, path: Path, names: list[cloudbuild.ImageName]) -> str:
    unique = dict.fromkeys(n.repository for n in names)
    return ", ".join(f"`{n}`" for n in unique) + f" ({where(ctx, path, names[0].line)})"


def deploy_env_vars(ctx: Context, out: ProjectOutcome) -> Result:
    """The deploy's ``env_vars`` parse into KEY=value pairs (as deploy-cloudrun splits them, and
    the variable checks read them), none reserved by Cloud Run. Messages name keys and lines,
    never values."""
    project = out.project
    deploys = deploy_workflows(ctx, project)
    if not deploys:
        return out.skip("no deploy workflow (see files.workflow_missing)")
    findings = Findings()
    keys: list[str] = []
    for workflow in deploys:
        raw = workflow.lines()
        for step in queries.steps_using(workflow, "google-github-actions/deploy-cloudrun"):
            ref = queries.step_input(step, "env_vars")
            if ref is None:
                continue
            # `env_vars: |` puts the first variable on the line after the key.
            key_text = raw[ref.line - 1] if ref.line <= len(raw) else ""
            block = key_text.rstrip().endswith(("|", "|-", ">", ">-", "|+", ">+"))
            pieces = workflows.env_var_pieces(ref.value, ref.line + (1 if block else 0))
            for index, piece in enumerate(pieces, 1):
                if piece.key is None:
                    findings.fail(
                        f"env_vars entry {index} ({where(ctx, workflow.path, piece.line)}) is not "
                        "KEY=value: a comma inside a value must be written `\\,`"
                    )
            found = [p.key for p in pieces if p.key]
            for key in (k for k in found if k in RESERVED_VARIABLES):
                findings.fail(f"env_vars sets {key}, which Cloud Run reserves: the deploy fails")
            for key, count in Counter(found).items():
                if count > 1:
                    findings.warn(f"env_vars sets {key} {count} times")
            keys.extend(found)
    return findings.result(
        out,
        f"deploy sets {', '.join(dict.fromkeys(keys))}" if keys else "deploy sets no variables",
        hint="write env_vars as KEY=value pairs separated by commas or newlines",
    )
