"""Time `pinscope inspect --json` on a 10,000-certificate PEM bundle against `openssl storeutl`.

Two bundles are measured: the certifi root bundle repeated until it holds 10,000 certificates
(what the issue suggests; repeats are decoded once), and 10,000 distinct certificates minted
here, so that nothing repeated flatters Pinscope. Prints wall time (best of N), peak memory
(max RSS of one run) and the ratio for each; exits 1 when a target is missed.
Usage: python bench/inspect_bundle.py [--runs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import certifi
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

COUNT = 10_000


def certifi_bundle(path: Path) -> None:
    blocks = Path(certifi.where()).read_bytes().split(b"-----END CERTIFICATE-----")
    certs = [
        block.strip() + b"\n-----END CERTIFICATE-----\n" for block in blocks if b"BEGIN" in block
    ]
    repeated = (certs * (COUNT // len(certs) + 1))[:COUNT]
    path.write_bytes(b"".join(repeated))


def minted_bundle(path: Path) -> None:
    """10,000 distinct leaf certificates from 100 issuers, each with SANs and extensions."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    now = dt.datetime.now(dt.UTC)
    out = []
    for index in range(COUNT):
        issuer = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bench"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"Bench CA {index % 100}"),
            ]
        )
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"host{index}.bench.test")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public)
            .serial_number(index + 1)
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=90))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName(f"host{index}.bench.test"), x509.DNSName("www.bench.test")]
                ),
                False,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
            .sign(key, hashes.SHA256())
        )
        out.append(cert.public_bytes(serialization.Encoding.PEM))
    path.write_bytes(b"".join(out))


def timed(command: list[str]) -> float:
    """Wall seconds of one run of `command`, output discarded."""
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # 1 means findings of severity error (expired roots in the certifi bundle): a full run.
    if result.returncode not in (0, 1):
        raise subprocess.CalledProcessError(result.returncode, command)
    return time.perf_counter() - start


def measure(label: str, bundle: Path, runs: int) -> bool:
    """Print the figures for one bundle; True when both targets are met."""
    pinscope = [sys.executable, "-m", "pinscope.cli", "inspect", "--json", str(bundle)]
    openssl = ["openssl", "storeutl", "-noout", "-certs", str(bundle)]
    ours = min(timed(pinscope) for _ in range(runs))
    theirs = min(timed(openssl) for _ in range(runs))
    # Peak memory of one Pinscope run on its own (ru_maxrss of children is a running maximum).
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import resource, subprocess, sys; "
            f"subprocess.run({pinscope!r}, stdout=subprocess.DEVNULL); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    peak_mb = int(probe.stdout.strip()) / 1024
    print(f"{label}: {bundle.stat().st_size / 1e6:.1f} MB, {COUNT} certificates")
    print(f"  pinscope inspect --json   {ours:6.2f} s   peak {peak_mb:5.0f} MB")
    print(f"  openssl storeutl -certs   {theirs:6.2f} s")
    print(f"  ratio pinscope/openssl    {ours / theirs:6.2f}  (target <= 1.0, peak < 300 MB)")
    return ours <= theirs and peak_mb < 300


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="best of N runs (default 3)")
    args = parser.parse_args()
    if shutil.which("openssl") is None:
        print("openssl is not on PATH", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        repeated, minted = Path(folder, "certifi-x.pem"), Path(folder, "minted.pem")
        certifi_bundle(repeated)
        minted_bundle(minted)
        results = [
            measure("certifi bundle repeated", repeated, args.runs),
            measure("10,000 distinct minted certificates", minted, args.runs),
        ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
