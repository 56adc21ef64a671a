"""`make test`'s set-up: before apt-get installs Chromium for the browser tests, it says what and why.

The real Makefile and .ci/install-chromium run under make, with `apt-get` and `id` replaced by
stand-ins on PATH (apt-get's simulation output as Debian 12 prints it), so nothing is installed here.
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIMULATED = """NOTE: This is only a simulation!
Inst libvpx7 (1.12.0-1+deb12u4 Debian-Security:12/oldstable-security [amd64])
Inst libnss3 [2:3.87.1-1] (2:3.87.1-1+deb12u1 Debian:12.15/oldstable [amd64])
Inst chromium-common (156.0.8078.114-1~deb12u1 Debian-Security:12/oldstable-security [amd64])
Inst chromium (156.0.8078.114-1~deb12u1 Debian-Security:12/oldstable-security [amd64])
Conf libvpx7 (1.12.0-1+deb12u4 Debian-Security:12/oldstable-security [amd64])
"""


def stand_ins(tmp_path, uid: int) -> dict:
    """A PATH with a logging apt-get, an `id` of the given uid, and no chromium."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for tool in ("bash", "awk"):
        os.symlink(shutil.which(tool), bin_ / tool)
    log = tmp_path / "apt.log"
    (bin_ / "apt-get").write_text(f"""#!{shutil.which('bash')}
echo "$*" >> {log}
case " $* " in *" -s "*) printf '%s' '{SIMULATED}' ;; *" install "*) echo "APT-GET INSTALLING" ;; esac
""")
    (bin_ / "id").write_text(f"#!{shutil.which('bash')}\necho {uid}\n")
    for f in ("apt-get", "id"):
        (bin_ / f).chmod(0o755)
    return {"PATH": str(bin_), "HOME": str(tmp_path)}


def make_browser(env) -> str:
    make = shutil.which("make")
    if not make:
        pytest.skip("make is not installed")
    out = subprocess.run([make, "-s", "browser"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_make_says_what_apt_get_will_install_before_it_does(tmp_path):
    out = make_browser(stand_ins(tmp_path, 0))
    plan = ["apt-get will install 3 package(s) and upgrade 1:",
            "install libvpx7 1.12.0-1+deb12u4 (needed by chromium)",
            "upgrade libnss3 2:3.87.1-1 -> 2:3.87.1-1+deb12u1 (needed by chromium)",
            "install chromium-common 156.0.8078.114-1~deb12u1 (needed by chromium)",
            "install chromium 156.0.8078.114-1~deb12u1 (the browser the tests drive)"]
    lines = [line.strip() for line in out.splitlines()]
    assert lines[0] == "make test: the browser tests need Chromium, which is not installed."
    assert all(p in lines for p in plan), out
    assert lines.index(plan[-1]) < lines.index("APT-GET INSTALLING")  # the list comes first
    calls = (tmp_path / "apt.log").read_text().splitlines()
    assert calls == ["update -qq", "install -s --no-install-recommends chromium",
                     "install -y -q --no-install-recommends chromium"]  # no upgrade, no driver, no extras


def test_without_root_it_installs_nothing_and_says_how(tmp_path):
    out = make_browser(stand_ins(tmp_path, 1000))
    assert "sudo apt-get install -y -q --no-install-recommends chromium" in out
    assert not (tmp_path / "apt.log").exists()
