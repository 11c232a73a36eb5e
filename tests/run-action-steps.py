"""Runs the steps of a composite GitHub Action (action.yml) on this machine,
the way the Actions runner runs `shell: bash` steps, so the action's shell
code is tested here and not only on GitHub.

Usage: run-action-steps.py ACTION_DIR [NAME=VALUE ...]

Inputs not given take their defaults from action.yml. Like the runner, it
gives each step a `$GITHUB_OUTPUT` file (its `name=value` lines become
`steps.ID.outputs.NAME`), a `$GITHUB_PATH` file (its lines are put in
front of PATH for the later steps) and a `$GITHUB_STEP_SUMMARY` file
(printed at the end, each line after `::: summary | `), and sets RUNNER_OS, RUNNER_ARCH,
RUNNER_TEMP and RUNNER_TOOL_CACHE unless the environment has them. Steps
that use another action (`uses:`, such as actions/cache) cannot run here:
they are listed as not run, with no outputs. Only the expressions this
repository's action uses are understood (`${{ inputs.NAME }}`,
`${{ steps.ID.outputs.NAME }}`, `${{ github.action_path }}`, and `if:`
comparing one of the first two with a quoted literal by `==` or `!=`);
anything else stops with an error rather than being guessed. Exits with the
status of the first failing step, as the runner does.
"""

import os
import platform
import re
import subprocess
import sys
import tempfile

from ruamel.yaml import YAML

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
CONDITION = re.compile(r"^(?:\$\{\{\s*)?(\S+)\s*(==|!=)\s*'([^']*)'(?:\s*\}\})?$")
STEP_OUTPUT = re.compile(r"^steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)$")
RUNNER_OS = {"Linux": "Linux", "Darwin": "macOS", "Windows": "Windows"}
RUNNER_ARCH = {"x86_64": "X64", "amd64": "X64", "aarch64": "ARM64", "arm64": "ARM64"}


class Context:
    """What expressions can name: the inputs, the steps' outputs so far."""

    def __init__(self, action_dir, inputs, step_ids):
        self.action_dir = action_dir
        self.inputs = inputs
        self.step_ids = step_ids
        self.outputs = {}

    def evaluate(self, expression):
        if expression == "github.action_path":
            return self.action_dir
        if expression.startswith("inputs.") and expression[len("inputs."):] in self.inputs:
            return self.inputs[expression[len("inputs."):]]
        match = STEP_OUTPUT.match(expression)
        if match and match.group(1) in self.step_ids:
            # As on the runner, an output the step did not write is empty.
            return self.outputs.get(match.group(1), {}).get(match.group(2), "")
        sys.exit(f"run-action-steps: unsupported expression ${{{{ {expression} }}}}")

    def substitute(self, text):
        return EXPRESSION.sub(lambda m: self.evaluate(m.group(1)), str(text))

    def condition_holds(self, condition):
        if condition is None:
            return True
        match = CONDITION.match(str(condition).strip())
        if not match:
            sys.exit(f"run-action-steps: unsupported condition {condition!r}")
        equal = self.evaluate(match.group(1)) == match.group(3)
        return equal == (match.group(2) == "==")


def read_outputs(path):
    outputs = {}
    with open(path) as file:
        for line in file.read().splitlines():
            if "<<" in line.partition("=")[0]:
                sys.exit(f"run-action-steps: multiline outputs are not supported: {line!r}")
            name, equals, value = line.partition("=")
            if not equals:
                sys.exit(f"run-action-steps: not a name=value output: {line!r}")
            outputs[name] = value
    return outputs


def runner_environment(scratch):
    """The variables the runner sets for every step, unless already set."""
    env = dict(os.environ)
    defaults = {
        "RUNNER_OS": RUNNER_OS.get(platform.system(), platform.system()),
        "RUNNER_ARCH": RUNNER_ARCH.get(platform.machine().lower(), platform.machine()),
        "RUNNER_TEMP": os.path.join(scratch, "runner-temp"),
        "RUNNER_TOOL_CACHE": os.path.join(scratch, "tool-cache"),
    }
    for name, value in defaults.items():
        if not env.get(name):
            env[name] = value
    os.makedirs(env["RUNNER_TEMP"], exist_ok=True)
    return env


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
    step_ids = {step["id"] for step in action["runs"]["steps"] if "id" in step}
    context = Context(action_dir, inputs, step_ids)
    with tempfile.TemporaryDirectory() as scratch:
        base_env = runner_environment(scratch)
        path_file = os.path.join(scratch, "github-path")
        open(path_file, "w").close()
        summary_file = os.path.join(scratch, "github-step-summary")
        open(summary_file, "w").close()
        for number, step in enumerate(action["runs"]["steps"]):
            name = step.get("name", step.get("run", "")[:40])
            if not context.condition_holds(step.get("if")):
                print(f"::: skipped: {name}", flush=True)
                continue
            if "uses" in step:
                print(f"::: not run here: {name} (uses: {step['uses']})", flush=True)
                continue
            if step.get("shell") != "bash" or "run" not in step:
                sys.exit(f"run-action-steps: step {name!r} is not a `shell: bash` run step")
            env = dict(base_env)
            with open(path_file) as file:
                added = [line for line in file.read().splitlines() if line]
            # Later additions come first, as on the runner.
            env["PATH"] = os.pathsep.join([*reversed(added), base_env["PATH"]])
            output_file = os.path.join(scratch, f"output-{number}")
            open(output_file, "w").close()
            env["GITHUB_OUTPUT"] = output_file
            env["GITHUB_PATH"] = path_file
            env["GITHUB_STEP_SUMMARY"] = summary_file
            for key, value in (step.get("env") or {}).items():
                env[key] = context.substitute(value)
            print(f"::: step: {name}", flush=True)
            script = os.path.join(scratch, f"step-{number}.sh")
            with open(script, "w") as file:
                file.write(context.substitute(step["run"]))
            # The runner's command line for `shell: bash`.
            status = subprocess.call(["bash", "--noprofile", "--norc", "-eo", "pipefail", script], env=env)
            if status != 0:
                print(f"::: step failed with exit code {status}: {name}", flush=True)
                print_summary(summary_file)
                sys.exit(status)
            if "id" in step:
                context.outputs[step["id"]] = read_outputs(output_file)
        print_summary(summary_file)


def print_summary(path):
    """Prints the job summary the steps wrote, each line marked."""
    with open(path) as file:
        for line in file.read().splitlines():
            print(f"::: summary | {line}", flush=True)


if __name__ == "__main__":
    main()
