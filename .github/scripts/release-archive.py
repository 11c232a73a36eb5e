"""Packs the authlint binary inside a wheel into the release archive for a
target, with its SHA-256 sum beside it.

Usage: release-archive.py WHEEL TARGET OUT_DIR

Writes OUT_DIR/authlint-TARGET.tar.gz (a .zip for Windows targets) holding
authlint-TARGET/authlint (authlint.exe), LICENSE and README.md, and
OUT_DIR/authlint-TARGET.tar.gz.sha256 in `sha256sum` format, which
`sha256sum -c` and the action check. The binary comes out of the wheel, so
the archive and the wheel of a release carry the same build. Entries have
fixed times and owners: the same wheel gives the same bytes.

Run by .github/workflows/release.yml for every target, and by
tests/github-files.sh to make a release for the action to download.
"""

import gzip
import hashlib
import io
import os
import sys
import tarfile
import zipfile

# The time the wheel's own entries carry (1980-01-01, the zip epoch).
FIXED_TIME = 315532800
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def binary_from_wheel(wheel, windows):
    """The bytes of the `authlint` script the wheel installs."""
    name = "authlint.exe" if windows else "authlint"
    with zipfile.ZipFile(wheel) as archive:
        found = [entry for entry in archive.namelist() if entry.endswith(f".data/scripts/{name}")]
        if len(found) != 1:
            sys.exit(f"release-archive: {wheel} has {len(found)} {name} scripts, expected 1")
        return name, archive.read(found[0])


def members(wheel, target):
    """(name in the archive, bytes, executable) for every file of the archive."""
    name, binary = binary_from_wheel(wheel, "windows" in target)
    top = f"authlint-{target}"
    yield f"{top}/{name}", binary, True
    for document in ("LICENSE", "README.md"):
        with open(os.path.join(REPOSITORY, document), "rb") as file:
            yield f"{top}/{document}", file.read(), False


def write_tar_gz(path, files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, executable in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755 if executable else 0o644
            info.mtime = FIXED_TIME
            tar.addfile(info, io.BytesIO(data))
    with open(path, "wb") as file, gzip.GzipFile(fileobj=file, mode="wb", mtime=FIXED_TIME) as compressed:
        compressed.write(buffer.getvalue())


def write_zip(path, files):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data, executable in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.external_attr = (0o755 if executable else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    wheel, target, out_dir = sys.argv[1:]
    os.makedirs(out_dir, exist_ok=True)
    files = list(members(wheel, target))
    if "windows" in target:
        archive = f"authlint-{target}.zip"
        write_zip(os.path.join(out_dir, archive), files)
    else:
        archive = f"authlint-{target}.tar.gz"
        write_tar_gz(os.path.join(out_dir, archive), files)
    with open(os.path.join(out_dir, archive), "rb") as file:
        digest = hashlib.sha256(file.read()).hexdigest()
    with open(os.path.join(out_dir, f"{archive}.sha256"), "w", newline="\n") as file:
        file.write(f"{digest}  {archive}\n")
    print(f"{digest}  {os.path.join(out_dir, archive)}")


if __name__ == "__main__":
    main()
