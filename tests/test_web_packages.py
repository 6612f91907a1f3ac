"""bot/tools/web_packages.py: the web chat's packages are exactly what package.json and
package-lock.json pin, or nothing is installed and the error says which."""

import json
import shutil

import pytest

from bot.tools import web_packages
from bot.tools.web_packages import WEB_DIR, PackageError, pinned


@pytest.fixture
def web(tmp_path):
    for name in ("package.json", "package-lock.json"):
        shutil.copy(WEB_DIR / name, tmp_path / name)
    return tmp_path


def test_the_bundle_alone_or_with_the_test_tools(web):
    assert list(pinned(web, dev=False)) == ["rasa-webchat"]
    assert list(pinned(web, dev=True)) == ["rasa-webchat", "axe-core"]
    assert all(entry["integrity"].startswith("sha512-") for entry in pinned(web, dev=True).values())


def test_a_version_the_lock_does_not_pin_stops_before_fetching(web, monkeypatch):
    manifest = json.loads((web / "package.json").read_text())
    manifest["dependencies"]["rasa-webchat"] = "1.0.0"
    (web / "package.json").write_text(json.dumps(manifest))
    with pytest.raises(PackageError, match="does not pin rasa-webchat at package.json's version"):
        pinned(web, dev=False)
    monkeypatch.setattr(web_packages, "WEB_DIR", web)
    assert web_packages.main([]) == 1
    assert not (web / "node_modules").exists()


def test_a_tarball_is_checked_against_its_pinned_hash(tmp_path):
    tarball = tmp_path / "x.tgz"
    tarball.write_bytes(b"not the package")
    assert web_packages.integrity_of(tarball) != pinned(WEB_DIR, dev=False)["rasa-webchat"]["integrity"]
    assert web_packages.integrity_of(tarball) == (
        "sha512-8m5clX6Yj+wu8tvA9nWBk0UC8Nvo22cht+xSryH5w0tvGsRPFCTDyek0lT+z3COuYpH925gQzDWWkAOj8b/AVQ=="
    )
