"""``python -m authlint ARGS``: runs the installed binary with ARGS."""

import os
import sys

from authlint import find_authlint_bin


def main():
    try:
        binary = find_authlint_bin()
    except FileNotFoundError as error:
        # Exit code 2, authlint's own for "could not run": 1 means findings.
        print(f"authlint: {error}", file=sys.stderr)
        sys.exit(2)
    args = [binary, *sys.argv[1:]]
    if os.name == "nt":
        # Windows has no exec: run it and pass its exit code on.
        import subprocess

        sys.exit(subprocess.call(args))
    os.execv(binary, args)


if __name__ == "__main__":
    main()
