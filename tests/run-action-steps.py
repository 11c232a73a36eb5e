"""Runs the steps of a composite GitHub Action (action.yml) on this machine,
the way the Actions runner runs `shell: bash` steps, so the action's shell
code is tested here and not only on GitHub.

Usage: run-action-steps.py ACTION_DIR [NAME=VALUE ...]

Inputs not given take their defaults from action.yml. Only the expressions
this repository's action uses are understood (`${{ inputs.NAME }}`,
`${{ github.action_path }}`, and `if: inputs.NAME != ''` / `== ''`);
anything else stops with an error rather than being guessed. Exits with the
status of the first failing step, as the runner does.
"""

import os
import re
import subprocess
import sys
import tempfile

from ruamel.yaml import YAML

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
CONDITION = re.compile(r"^(?:\$\{\{\s*)?inputs\.([A-Za-z0-9_-]+)\s*(==|!=)\s*''(?:\s*\}\})?$")


def evaluate(expression, action_dir, inputs):
    if expression == "github.action_path":
        return action_dir
    if expression.startswith("inputs."):
        return inputs[expression[len("inputs."):]]
    sys.exit(f"run-action-steps: unsupported expression ${{{{ {expression} }}}}")


def substitute(text, action_dir, inputs):
    return EXPRESSION.sub(lambda m: evaluate(m.group(1), action_dir, inputs), str(text))


def condition_holds(condition, inputs):
    if condition is None:
        return True
    match = CONDITION.match(str(condition).strip())
    if not match:
        sys.exit(f"run-action-steps: unsupported condition {condition!r}")
    value = inputs[match.group(1)]
    return (value == "") == (match.group(2) == "==")


def main():
    action_dir = os.path.abspath(sys.argv[1])
    with open(os.path.join(action_dir, "action.yml")) as file:
        action = YAML(typ="safe").load(file)
    if action["runs"]["using"] != "composite":
        sys.exit("run-action-steps: not a composite action")
    inputs = {name: str(spec.get("default", "")) for name, spec in action.get("inputs", {}).items()}
    for assignment in sys.argv[2:]:
        name, _, value = assignment.partition("=")
        if name not in inputs:
            sys.exit(f"run-action-steps: action.yml declares no input {name!r}")
        inputs[name] = value
    for step in action["runs"]["steps"]:
        name = step.get("name", step.get("run", "")[:40])
        if not condition_holds(step.get("if"), inputs):
            print(f"::: skipped: {name}", flush=True)
            continue
        if step.get("shell") != "bash" or "run" not in step:
            sys.exit(f"run-action-steps: step {name!r} is not a `shell: bash` run step")
        env = dict(os.environ)
        for key, value in (step.get("env") or {}).items():
            env[key] = substitute(value, action_dir, inputs)
        print(f"::: step: {name}", flush=True)
        with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as script:
            script.write(substitute(step["run"], action_dir, inputs))
        try:
            # The runner's command line for `shell: bash`.
            status = subprocess.call(["bash", "--noprofile", "--norc", "-eo", "pipefail", script.name], env=env)
        finally:
            os.unlink(script.name)
        if status != 0:
            print(f"::: step failed with exit code {status}: {name}", flush=True)
            sys.exit(status)


if __name__ == "__main__":
    main()
