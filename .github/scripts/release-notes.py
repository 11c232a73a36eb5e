"""Checks that a release tag names the crate's version and prints that
version's section of CHANGELOG.md, the release's notes.

Usage: release-notes.py TAG [CHANGELOG]

Fails (exit 1, with the reason) when TAG is not `v` + Cargo.toml's
`version`, or when the changelog (CHANGELOG.md by default) has no
`## [<version>] - <date>` section, or that section is empty: a release is
made only of a version whose changes are written down.
Run by .github/workflows/release.yml before anything is built; tested by
tests/github-files.sh.
"""

import os
import re
import sys
import tomllib

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    tag = sys.argv[1]
    changelog = sys.argv[2] if len(sys.argv) == 3 else os.path.join(REPOSITORY, "CHANGELOG.md")
    with open(os.path.join(REPOSITORY, "Cargo.toml"), "rb") as file:
        version = tomllib.load(file)["package"]["version"]
    if tag != f"v{version}":
        sys.exit(f"release-notes: the tag {tag} is not v{version}, the version in Cargo.toml")
    with open(changelog, encoding="utf-8") as file:
        text = file.read()
    heading = re.compile(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", re.MULTILINE)
    match = heading.search(text)
    if not match:
        sys.exit(f"release-notes: {changelog} has no '## [{version}] - YYYY-MM-DD' section")
    following = re.compile(r"^## ", re.MULTILINE).search(text, match.end())
    notes = text[match.end() : following.start() if following else len(text)].strip()
    if not notes:
        sys.exit(f"release-notes: the [{version}] section of {changelog} is empty")
    print(notes)


if __name__ == "__main__":
    main()
