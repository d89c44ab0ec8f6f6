"""Time handshakes with a loopback TLS server: in process, and as whole commands.

1. 200 in-process `inspect_endpoint` calls (handshake, diagnosis, chain validation and checks,
   the JSON document) against a pyOpenSSL server on 127.0.0.1 in a thread. Target: under 20 ms
   each.
2. The whole process: `pinscope connect 127.0.0.1:PORT --json` against
   `openssl s_client -connect 127.0.0.1:PORT </dev/null` on the same server, best of N each,
   and their ratio.

Exits 1 when the in-process target is missed.
Usage: python bench/connect_loopback.py [--count N] [--runs N]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import ipaddress
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from OpenSSL import SSL

from pinscope.core import report
from pinscope.core.certificate import Certificate
from pinscope.core.checks import CheckContext
from pinscope.core.endpoint.handshake import ConnectOptions
from pinscope.core.endpoint.probe import inspect_endpoint
from pinscope.core.endpoint.target import Target
from pinscope.core.inspection import Settings
from pinscope.core.trust import TrustStore

TARGET_MS = 20.0
PINSCOPE = Path(sys.executable).with_name("pinscope")


def mint() -> tuple[list[x509.Certificate], ec.EllipticCurvePrivateKey]:
    """A root, an intermediate and a leaf for 127.0.0.1."""
    now = dt.datetime.now(dt.UTC)

    Signer = tuple[x509.Name, ec.EllipticCurvePrivateKey]

    def issue(
        name: str, key: ec.EllipticCurvePrivateKey, issuer: Signer | None, ca: bool
    ) -> x509.Certificate:
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        issuer_name, signer = issuer if issuer else (subject, key)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=90))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
                critical=False,
            )
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            ).add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
        else:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
        return builder.sign(signer, hashes.SHA256())

    root_key, mid_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root = issue("Bench Root", root_key, None, ca=True)
    mid = issue("Bench Issuing CA", mid_key, (root.subject, root_key), ca=True)
    leaf = issue("127.0.0.1", leaf_key, (mid.subject, mid_key), ca=False)
    return [leaf, mid, root], leaf_key


@contextlib.contextmanager
def tls_server(chain: list[x509.Certificate], key: ec.EllipticCurvePrivateKey) -> Iterator[int]:
    """A pyOpenSSL server answering one connection after another until the block ends."""
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.use_certificate(chain[0])
    context.add_extra_chain_cert(chain[1])
    context.use_privatekey(key)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.1)
    stopping = threading.Event()

    def serve() -> None:
        while not stopping.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connection.setblocking(True)  # pyOpenSSL cannot wait on a socket timeout
            tls = SSL.Connection(context, connection)
            tls.set_accept_state()
            with contextlib.suppress(SSL.Error, OSError):
                tls.do_handshake()
                while tls.recv(4096):
                    pass
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stopping.set()
        thread.join()
        listener.close()


def in_process(port: int, root: x509.Certificate, count: int) -> list[float]:
    anchor = Certificate(root.public_bytes(Encoding.DER), root)
    store = TrustStore("custom", "the bench root", (anchor,))
    settings = Settings(CheckContext(), (store,))
    target = Target("127.0.0.1", port)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        inspection = inspect_endpoint(target, ConnectOptions(timeout=5), settings)
        report.document([inspection])
        times.append((time.perf_counter() - started) * 1000)
        validation = inspection.validation
        assert validation is not None and validation.trusted, (validation, inspection.findings)
    return times


def whole_process(command: list[str], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, check=False)
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    chain, key = mint()
    with tls_server(chain, key) as port:
        in_process(port, chain[2], 5)  # warm up imports and caches
        times = in_process(port, chain[2], args.count)
        median = statistics.median(times)
        p95 = sorted(times)[int(len(times) * 0.95) - 1]
        print(
            f"in process: {args.count} handshakes with checks and JSON, median {median:.2f} ms, "
            f"p95 {p95:.2f} ms, mean {statistics.mean(times):.2f} ms (target < {TARGET_MS:g} ms)"
        )
        address = f"127.0.0.1:{port}"
        pinscope = whole_process(
            [str(PINSCOPE), "connect", address, "--json", "--trust-store", "none"], args.runs
        )
        print(f"pinscope connect --json: {pinscope:.0f} ms (best of {args.runs})")
        openssl = shutil.which("openssl")
        if openssl:
            reference = whole_process([openssl, "s_client", "-connect", address], args.runs)
            print(f"openssl s_client:        {reference:.0f} ms (best of {args.runs})")
            print(f"ratio pinscope/openssl:  {pinscope / reference:.1f}")
    return 0 if median < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
