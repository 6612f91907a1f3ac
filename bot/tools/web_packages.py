"""Put the web chat's JavaScript packages in web/node_modules, without their dependencies.

    python -m bot.tools.web_packages [--dev]      (make web; make test adds --dev)

The page serves one prebuilt file, rasa-webchat's lib/index.js (React, socket.io-client and
the rest are inside it), so `npm ci` and its 597 packages are not needed. Each package is
fetched alone with `npm pack NAME@VERSION` (npm's registry and cache), checked against the
version and sha512 integrity that web/package-lock.json pins, and unpacked into
web/node_modules/NAME. `--dev` adds the test tools (package.json's devDependencies:
axe-core, which the accessibility tests inject into pages).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from bot import PROJECT_ROOT

WEB_DIR = PROJECT_ROOT / "web"


class PackageError(Exception):
    pass


def pinned(web_dir: Path, dev: bool) -> dict[str, dict]:
    """name -> its package-lock.json entry, for package.json's dependencies (and devDependencies)."""
    manifest = json.loads((web_dir / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((web_dir / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    wanted = {**manifest.get("dependencies", {}), **(manifest.get("devDependencies", {}) if dev else {})}
    found = {}
    for name, version in wanted.items():
        entry = lock.get(f"node_modules/{name}")
        if entry is None or entry.get("version") != version:
            raise PackageError(f"web/package-lock.json does not pin {name} at package.json's version")
        found[name] = entry
    return found


def installed_version(target: Path) -> str | None:
    try:
        return json.loads((target / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def integrity_of(tarball: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()


def fetch(name: str, entry: dict, into: Path) -> None:
    """npm pack the pinned version, check its integrity, unpack it as into/name."""
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            ["npm", "pack", f"{name}@{entry['version']}", "--pack-destination", tmp, "--silent"],
            cwd=tmp,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise PackageError(f"npm pack {name}@{entry['version']} failed: {result.stderr.strip()[-2000:]}")
        tarball = next(Path(tmp).glob("*.tgz"))
        if integrity_of(tarball) != entry["integrity"]:
            raise PackageError(f"{name}@{entry['version']}: the tarball's sha512 is not the one package-lock.json pins")
        target = into / name
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(tarball) as archive:
            archive.extractall(unpacked, filter="data")
        shutil.rmtree(target, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(unpacked / "package"), target)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.tools.web_packages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", action="store_true", help="also the test tools (devDependencies)")
    args = parser.parse_args(argv)
    try:
        packages = pinned(WEB_DIR, args.dev)
        for name, entry in packages.items():
            # `make web` starts from an empty folder; `--dev` then adds only what is missing
            if installed_version(WEB_DIR / "node_modules" / name) != entry["version"]:
                fetch(name, entry, WEB_DIR / "node_modules")
    except PackageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("web/node_modules: " + ", ".join(f"{n} {e['version']}" for n, e in packages.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
