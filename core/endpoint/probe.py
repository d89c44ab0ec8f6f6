"""Test an endpoint the way `pinscope connect` does: preflight, handshake, retries, checks.

`inspect_endpoint` makes the attempt the user asked for and turns it into an `Inspection`
like a file's: the chain as sent is validated and checked for the name connected to, the
handshake's outcome is diagnosed, a stapled OCSP response is judged. When a client certificate
is given, a first handshake without it shows the server's acceptable CAs for the preflight.
When the failure is ambiguous (a bare handshake_failure, a reset, a silent close), the attempt
is repeated with one thing changed at a time and the changes that altered the outcome are
reported. `--probe-versions` tries each TLS version on its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from pinscope.core.chain import Validation
from pinscope.core.checks import run_checks
from pinscope.core.endpoint.diagnose import UNTESTABLE, diagnose
from pinscope.core.endpoint.handshake import TLS, ConnectOptions, Handshake, connect
from pinscope.core.endpoint.ocsp import OCSPStaple, parse_staple, staple_findings
from pinscope.core.endpoint.preflight import preflight
from pinscope.core.endpoint.target import Target
from pinscope.core.inspection import Inspection, Settings, default_settings
from pinscope.core.model import Entry, EntryType, Finding, Severity, Source

logger = logging.getLogger(__name__)

__all__ = ["EndpointReport", "Retry", "VersionProbe", "inspect_endpoint"]

RETRY_TIMEOUT = 5.0
"""Seconds each retry and version probe may take at most."""

VERSION_NAMES = {"1.0": "TLSv1", "1.1": "TLSv1.1", "1.2": "TLSv1.2", "1.3": "TLSv1.3"}


@dataclass(frozen=True)
class Retry:
    """One retry with a single change, and what came of it."""

    change: str
    """What was changed, in words: "TLS 1.2 only", "no server name (SNI)"…"""
    handshake: Handshake
    changed_outcome: bool
    """Whether the outcome differs from the first attempt's."""

    @property
    def outcome(self) -> str:
        return outcome_text(self.handshake)


@dataclass(frozen=True)
class VersionProbe:
    """Whether the server accepts one TLS version."""

    version: str
    """"1.0", "1.1", "1.2" or "1.3"."""
    accepted: bool | None
    """True when the server answered with this version; None when Pinscope's own TLS library
    cannot offer it, so the server's answer is unknown."""
    detail: str


@dataclass(frozen=True)
class EndpointReport:
    """Everything learnt about one endpoint."""

    handshake: Handshake
    probe: Handshake | None = None
    """The handshake without the client certificate made for the preflight; None without one."""
    retries: tuple[Retry, ...] = ()
    versions: tuple[VersionProbe, ...] = ()
    staple: OCSPStaple | None = None
    """The stapled OCSP response, parsed; None when the server stapled none."""

    @property
    def could_not_test(self) -> bool:
        """Whether the server was never reached at the TLS level (exit status 2)."""
        failure = self.handshake.failure
        return failure is not None and failure.kind in UNTESTABLE


def outcome_text(handshake: Handshake) -> str:
    """One line on how an attempt ended."""
    failure = handshake.failure
    if failure is None:
        return f"handshake completed ({handshake.version})"
    return failure.message


def inspect_endpoint(
    target: Target,
    options: ConnectOptions | None = None,
    settings: Settings | None = None,
    probe_versions: bool = False,
) -> Inspection:
    """Connect to `target`, diagnose what happened and check the chain it sent.

    Args:
        target: host and port.
        options: how to connect; the defaults when None.
        settings: when and against which trust stores to judge the chain; the defaults (now,
            the system store) when None.
        probe_versions: also try TLS 1.0, 1.1, 1.2 and 1.3 one at a time.
    """
    options = options or ConnectOptions()
    settings = settings or default_settings()
    now = settings.context.now

    findings: list[Finding] = []
    probe = None
    if options.client is not None:
        probe = connect(target, dataclasses.replace(options, client=None, http=False))
        if probe.failure is None or probe.certificate_requested:
            findings.extend(preflight(options.client, probe, now))

    handshake = connect(target, options)
    diagnosis = diagnose(handshake)
    refused = any(f.code.startswith("tls.client-cert") for f in diagnosis)
    if handshake.client_certificate_sent and handshake.failure is None and not refused:
        findings = [_accepted_anyway(finding) for finding in findings]
    findings.extend(diagnosis)
    retries = tuple(_retries(target, options, handshake)) if _ambiguous(handshake) else ()
    findings.extend(_retry_findings(retries))
    versions = tuple(_probe_versions(target, options)) if probe_versions else ()

    source = _source(target, handshake)
    host = settings.context.host or handshake.sni or target.host
    context = dataclasses.replace(settings.context, host=host)
    checked = run_checks(source, context, settings.stores, settings.fetcher)
    findings.extend(checked.findings)

    staple = _staple(handshake, checked.validations)
    findings.extend(_staple_findings(handshake, staple, now))
    report = EndpointReport(handshake, probe, retries, versions, staple)
    return Inspection(
        target.label,
        source,
        tuple(dict.fromkeys(findings)),
        validations=checked.validations,
        endpoint=report,
    )


def _accepted_anyway(finding: Finding) -> Finding:
    """A preflight doubt about the client certificate's CA that the server then ignored."""
    if finding.code != "tls.client-cert-wrong-ca":
        return finding
    return dataclasses.replace(
        finding,
        severity=Severity.WARNING,
        detail=f"{finding.detail} The server accepted it all the same: it may not verify client "
        "certificates, or checks them later; servers that do will refuse it.",
    )


def _source(target: Target, handshake: Handshake) -> Source:
    entries: tuple[Entry, ...] = ()
    if handshake.chain:
        entries = (Entry(target.label, EntryType.CERTIFICATE_CHAIN, handshake.chain),)
    return Source(target.label, "endpoint", "tls", entries)


# ---- retries ---------------------------------------------------------------------------------


def _ambiguous(handshake: Handshake) -> bool:
    """Whether the failure could have several causes that a retry can tell apart."""
    failure = handshake.failure
    if failure is None or failure.stage != TLS:
        return False
    if failure.kind in ("closed", "reset", "tls-error"):
        return True
    received = [a.description for a in handshake.alerts_received if a.fatal]
    return received == [40] and not handshake.certificate_requested


def _variants(target: Target, options: ConnectOptions) -> Iterator[tuple[str, ConnectOptions]]:
    quick = dataclasses.replace(options, timeout=min(options.timeout, RETRY_TIMEOUT), http=False)
    if options.tls_max != "1.2" and options.tls_min not in ("1.3",):
        yield "TLS 1.2 only", dataclasses.replace(quick, tls_max="1.2")
    if options.server_name(target) is not None:
        yield "no server name (SNI)", dataclasses.replace(quick, send_sni=False)
    if not options.classical_key_exchange:
        yield (
            "classical key exchange only (no post-quantum key share)",
            dataclasses.replace(quick, classical_key_exchange=True),
        )
    if options.client is not None:
        yield "without the client certificate", dataclasses.replace(quick, client=None)


def _retries(target: Target, options: ConnectOptions, first: Handshake) -> Iterator[Retry]:
    before = _signature(first)
    for change, variant in _variants(target, options):
        handshake = connect(target, variant)
        logger.debug("retry %s on %s: %s", change, target.label, outcome_text(handshake))
        yield Retry(change, handshake, _signature(handshake) != before)


def _signature(handshake: Handshake) -> tuple[object, ...]:
    failure = handshake.failure
    alerts = tuple(a.description for a in handshake.alerts_received if a.fatal)
    return (handshake.completed, failure.kind if failure else None, alerts)


def _retry_findings(retries: tuple[Retry, ...]) -> Iterator[Finding]:
    changed = [retry for retry in retries if retry.changed_outcome]
    if not retries:
        return
    if not changed:
        tried = "; ".join(retry.change for retry in retries)
        yield Finding(
            code="tls.retries",
            severity=Severity.INFO,
            title="Retrying with one change at a time gave the same result",
            detail=f"Tried: {tried}. The failure does not depend on any of these.",
            remedy="The server's or a firewall's log is the next place to look.",
        )
        return
    lines = "; ".join(f"{retry.change}: {retry.outcome}" for retry in changed)
    yield Finding(
        code="tls.retries",
        severity=Severity.INFO,
        title="A retry with one change behaved differently",
        detail=f"Changed outcome — {lines}. That change points at the cause.",
        remedy=_retry_remedy(changed[0].change),
    )


def _retry_remedy(change: str) -> str:
    if change.startswith("TLS 1.2"):
        return (
            "The server or a middlebox mishandles TLS 1.3: update it, or disable TLS 1.3 on "
            "it until then."
        )
    if change.startswith("no server name"):
        return "The server refuses the name sent as SNI: configure a site for it."
    if change.startswith("classical"):
        return (
            "A middlebox or the server cannot handle the larger ClientHello of post-quantum "
            "key exchange: update it; clients can offer classical groups meanwhile."
        )
    return "The server refuses this client certificate; see the findings about it."


# ---- versions --------------------------------------------------------------------------------


def _probe_versions(target: Target, options: ConnectOptions) -> Iterator[VersionProbe]:
    for version, name in VERSION_NAMES.items():
        variant = dataclasses.replace(
            options,
            tls_min=version,
            tls_max=version,
            legacy=version in ("1.0", "1.1"),
            http=False,
            timeout=min(options.timeout, RETRY_TIMEOUT),
        )
        handshake = connect(target, variant)
        yield _version_result(version, name, handshake)


def _version_result(version: str, name: str, handshake: Handshake) -> VersionProbe:
    if handshake.version == name:
        return VersionProbe(version, True, "accepted")
    failure = handshake.failure
    if failure is not None and failure.kind == "tls-error" and not handshake.first_bytes:
        return VersionProbe(
            version, None, f"not tested: Pinscope's TLS library cannot offer TLS {version}"
        )
    return VersionProbe(version, False, outcome_text(handshake))


# ---- OCSP ------------------------------------------------------------------------------------


def _staple(handshake: Handshake, validations: tuple[Validation | None, ...]) -> OCSPStaple | None:
    if handshake.ocsp_response is None or not handshake.chain:
        return None
    leaf = handshake.chain[0]
    issuer = None
    validation = next((v for v in validations if v is not None), None)
    if validation is not None and len(validation.path.certificates) > 1:
        issuer = validation.path.certificates[1]
    elif len(handshake.chain) > 1:
        issuer = handshake.chain[1]
    return parse_staple(
        handshake.ocsp_response, leaf.x509, issuer.x509 if issuer is not None else None
    )


def _staple_findings(
    handshake: Handshake, staple: OCSPStaple | None, now: dt.datetime
) -> list[Finding]:
    if not handshake.completed or not handshake.chain:
        return []
    leaf = handshake.chain[0]
    return list(staple_findings(staple, leaf.x509, now, leaf.details.must_staple))
