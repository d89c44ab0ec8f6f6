"""Check a built bundle the way a user first meets it: version, a sample inspected, the window.

    .venv/bin/python packaging/smoke_test.py dist/pinscope      (the last step of `make package`)

Runs the bundle's own programs, never the source tree's, with the window on Qt's offscreen
platform so no display is needed. Prints one line per check and the bundle's size; exits 1 when
a check fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

TIMEOUT = 120  # seconds: a first start unpacks nothing, but a cold disk cache is slow


class SmokeFailure(Exception):
    """A check failed; the message says what was expected and what happened."""


def program(bundle: Path, name: str) -> Path:
    suffix = ".exe" if sys.platform == "win32" else ""
    path = bundle / f"{name}{suffix}"
    if not path.is_file():
        raise SmokeFailure(f"{path} is missing from the bundle")
    return path


def run(command: Sequence[str | Path], **environment: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **environment}
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=TIMEOUT,
        env=env,
        check=False,
    )


def expect(
    result: subprocess.CompletedProcess[str], statuses: set[int], texts: Sequence[str]
) -> str:
    """The first line of the output, once the exit status and the output are as expected."""
    shown = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    if result.returncode not in statuses:
        raise SmokeFailure(f"exit status {result.returncode}, expected {sorted(statuses)}\n{shown}")
    if "Traceback (most recent call last)" in result.stderr:
        raise SmokeFailure(f"a traceback on standard error\n{shown}")
    missing = [text for text in texts if text not in result.stdout]
    if missing:
        raise SmokeFailure(f"{missing} not in the output\n{shown}")
    return (result.stdout.strip().splitlines() or [""])[0]


def sample(bundle: Path, name: str) -> Path:
    """A sample file as the bundle ships it (its package data under _internal/)."""
    matches = sorted(bundle.rglob(f"pinscope/resources/samples/{name}"))
    if not matches:
        raise SmokeFailure(f"the sample {name} is not in the bundle's resources")
    return matches[0]


def check_version(bundle: Path) -> str:
    result = run([program(bundle, "pinscope"), "--version"])
    return expect(result, {0}, ["pinscope "])


def check_inspect(bundle: Path) -> str:
    # 1: the sample's root is in no trust store, which is an error finding, and that is right.
    result = run([program(bundle, "pinscope"), "inspect", sample(bundle, "chain.pem")])
    expect(result, {0, 1}, ["demo.pinscope.example", "Pinscope Sample Issuing CA", "SPKI pin"])
    return f"exit status {result.returncode}, the chain of demo.pinscope.example read"


def check_keystore(bundle: Path) -> str:
    command = [program(bundle, "pinscope"), "inspect", "--json", "--password-env", "SAMPLE_PASS"]
    result = run([*command, sample(bundle, "keystore.jks")], SAMPLE_PASS="pinscope")
    expect(result, {0, 1}, ['"format": "jks"', "demo.pinscope.example"])
    return f"exit status {result.returncode}, JKS read with pyjks inside the bundle"


def check_window(bundle: Path) -> str:
    gui = program(bundle, "pinscope-gui")
    result = run([gui, sample(bundle, "chain.pem")], PINSCOPE_SMOKE_TEST="1")
    expect(result, {0}, ["shown:", "Pinscope", "icon drawn: 24x24"])
    return " ".join(result.stdout.split())


def check_svg_plugins(bundle: Path) -> str:
    # The icons are SVG: Qt draws them through these plugins, which nothing imports by name.
    found = [
        next(bundle.rglob(f"*plugins/{folder}/*{name}*"), None)
        for folder, name in (("iconengines", "qsvgicon"), ("imageformats", "qsvg"))
    ]
    if None in found:
        raise SmokeFailure("the Qt SVG icon engine or image format plugin is missing")
    return ", ".join(path.name for path in found if path is not None)


def bundle_size(bundle: Path) -> str:
    files = [path for path in bundle.rglob("*") if path.is_file() and not path.is_symlink()]
    total = sum(path.stat().st_size for path in files)
    return f"{total / 2**20:.0f} MiB in {len(files)} files"


CHECKS = (
    ("pinscope --version", check_version),
    ("pinscope inspect chain.pem", check_inspect),
    ("pinscope inspect --json keystore.jks", check_keystore),
    ("pinscope-gui chain.pem (offscreen)", check_window),
    ("Qt SVG plugins", check_svg_plugins),
)


def main(argv: Sequence[str]) -> int:
    bundle = Path(argv[0] if argv else "dist/pinscope")
    failed = 0
    for title, check in CHECKS:
        try:
            print(f"ok    {title}: {check(bundle)}", flush=True)
        except (SmokeFailure, subprocess.TimeoutExpired) as failure:
            failed += 1
            print(f"FAIL  {title}: {failure}", flush=True)
    print(f"size  {bundle}: {bundle_size(bundle)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
