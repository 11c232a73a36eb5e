"""The authlint wheel's Python side: it only finds the binary.

The wheel installs the compiled ``authlint`` program as a script, in the
scripts directory of the installation it goes into (``bin/`` or
``Scripts\\``). :func:`find_authlint_bin` returns its path, for
``python -m authlint`` and for tools that want to run it themselves.
"""

import os
import sys
import sysconfig

__all__ = ["find_authlint_bin"]


def _schemes():
    """The install schemes pip may have used: the default one (a virtualenv,
    uv's and pipx's environments, a system-wide install) and `--user`."""
    if sys.version_info >= (3, 10):
        return [sysconfig.get_default_scheme(), sysconfig.get_preferred_scheme("user")]
    return [sysconfig._get_default_scheme(), "nt_user" if os.name == "nt" else "posix_user"]


def _script_dirs():
    """Where the script may be, the installation this package is part of
    first: another authlint on the machine must not win over it."""
    here = os.path.realpath(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    others = []
    for scheme in _schemes():
        paths = sysconfig.get_paths(scheme)
        libraries = {os.path.realpath(paths[key]) for key in ("purelib", "platlib")}
        if here in libraries:
            yield paths["scripts"]
        else:
            others.append(paths["scripts"])
    # `pip install --target DIR` puts the package in DIR and the script in
    # DIR/bin (DIR\Scripts on Windows), beside it.
    yield os.path.join(here, "Scripts" if os.name == "nt" else "bin")
    yield from others


def find_authlint_bin():
    """The path of the ``authlint`` executable installed with this package.

    Raises FileNotFoundError, naming the places looked in, when it is not
    there (a broken or partial install).
    """
    name = "authlint" + (sysconfig.get_config_var("EXE") or "")
    searched = []
    for directory in _script_dirs():
        if directory in searched:
            continue
        searched.append(directory)
        path = os.path.join(directory, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise FileNotFoundError(f"the {name} executable is not in any of: " + ", ".join(searched))
