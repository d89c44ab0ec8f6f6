"""An endpoint in the JSON document (the `"handshake"` object) and as the story the text
report tells: resolved, connected, negotiated, what the server sent and asked for, what failed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from pinscope.core.endpoint.handshake import Alert, Handshake
from pinscope.core.endpoint.ocsp import OCSPStaple
from pinscope.core.endpoint.probe import EndpointReport
from pinscope.core.endpoint.starttls import printable

__all__ = ["handshake_json", "story_lines"]


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def handshake_json(report: EndpointReport) -> dict[str, Any]:
    """The `"handshake"` object of an endpoint source."""
    handshake = report.handshake
    document = _attempt_json(handshake)
    document["ocsp"] = None if report.staple is None else staple_json(report.staple)
    document["retries"] = [
        {
            "change": retry.change,
            "completed": retry.handshake.completed,
            "outcome": retry.outcome,
            "changed_outcome": retry.changed_outcome,
        }
        for retry in report.retries
    ]
    document["versions"] = (
        {probe.version: probe.accepted for probe in report.versions} if report.versions else None
    )
    document["preflight"] = None
    if report.probe is not None:
        probe = report.probe
        document["preflight"] = {
            "certificate_requested": probe.certificate_requested,
            "client_ca_names": list(probe.client_ca_texts) if probe.certificate_requested else None,
            "outcome": None if probe.failure is None else probe.failure.message,
        }
    return document


def _attempt_json(handshake: Handshake) -> dict[str, Any]:
    options = handshake.options
    failure = handshake.failure
    client = options.client
    http = handshake.http
    return {
        "host": handshake.target.host,
        "port": handshake.target.port,
        "sni": handshake.sni,
        "addresses": list(handshake.addresses),
        "address": handshake.address,
        "proxy": None if options.proxy is None else options.proxy.label,
        "starttls": options.starttls,
        "completed": handshake.completed,
        "version": handshake.version,
        "cipher": handshake.cipher,
        "group": handshake.group,
        "alpn_offered": list(options.alpn),
        "alpn": handshake.alpn,
        "chain_as_sent": [cert.sha256 for cert in handshake.chain],
        "certificate_requested": handshake.certificate_requested,
        "client_ca_names": (
            list(handshake.client_ca_texts) if handshake.certificate_requested else None
        ),
        "client_certificate": None
        if client is None
        else {
            "source": client.label,
            "certificate": client.leaf.sha256,
            "sent": handshake.client_certificate_sent,
        },
        "alerts": [_alert_json(alert) for alert in handshake.alerts if alert.description],
        "http": None
        if http is None
        else {"status": http.status, "status_line": http.status_line, "head": http.head},
        "timings_ms": dict(handshake.timings),
        "failure": None
        if failure is None
        else {"stage": failure.stage, "kind": failure.kind, "message": failure.message},
        "first_bytes": printable(handshake.first_bytes) if failure is not None else None,
    }


def _alert_json(alert: Alert) -> dict[str, Any]:
    return {
        "direction": alert.direction,
        "level": alert.level,
        "description": alert.description,
        "name": alert.name,
        "stage": alert.stage,
    }


def staple_json(staple: OCSPStaple) -> dict[str, Any]:
    """Every field of the parsed staple; times in ISO 8601 UTC."""
    document: dict[str, Any] = {}
    for item in dataclasses.fields(staple):
        value = getattr(staple, item.name)
        document[item.name] = _iso(value) if isinstance(value, dt.datetime) else value
    return document


# ---- text ------------------------------------------------------------------------------------


def story_lines(report: EndpointReport) -> list[str]:
    """What happened, step by step, for the text report."""
    handshake = report.handshake
    options = handshake.options
    timings = handshake.timings
    lines: list[str] = []

    def step(label: str, text: str, stage: str | None = None) -> None:
        took = f"  ({timings[stage]:.0f} ms)" if stage in timings else ""
        lines.append(f"  {label:<12} {text}{took}")

    proxy = options.proxy
    if handshake.addresses and not (proxy is None and handshake.target.is_ip):
        what = f"the proxy {proxy.label}" if proxy else handshake.target.host
        step("resolved", f"{what} \u2192 {', '.join(handshake.addresses)}", "dns")
    if handshake.address is not None:
        port = proxy.port if proxy else handshake.target.port
        address = f"[{handshake.address}]" if ":" in handshake.address else handshake.address
        step("connected", f"TCP to {address}:{port}", "connect")
    if proxy is not None and "proxy" in timings:
        step("proxy", f"CONNECT {handshake.target.label} through {proxy.label}", "proxy")
    if options.starttls is not None and "starttls" in timings:
        step("starttls", f"{options.starttls} prelude", "starttls")
    if "tls" in timings:
        step("sent", f"ClientHello, server name {handshake.sni or '(none)'}" + _alpn(handshake))
    if handshake.version is not None:
        negotiated = ", ".join(
            part for part in (handshake.version, handshake.cipher, handshake.group) if part
        )
        if handshake.alpn:
            negotiated += f", ALPN {handshake.alpn}"
        step("negotiated", negotiated, "tls")
    if handshake.chain:
        count = len(handshake.chain)
        step("received", f"{count} certificate{'s' if count != 1 else ''}")
    lines.extend(_client_auth_lines(report))
    for alert in handshake.alerts:
        if alert.description:
            when = " after the handshake" if alert.stage == "after-handshake" else ""
            step(
                "alert", f"{alert.direction} {alert.level} {alert.name} ({alert.description}){when}"
            )
    if report.staple is not None:
        step("OCSP", _staple_text(report.staple))
    elif handshake.completed:
        step("OCSP", "no stapled response")
    if handshake.http is not None:
        step("HTTP", handshake.http.status_line or "(no answer)", "http")
    if handshake.failure is not None:
        step("failed", handshake.failure.message)
    for retry in report.retries:
        mark = "  \u2190 different" if retry.changed_outcome else ""
        step("retry", f"{retry.change}: {retry.outcome}{mark}")
    if report.versions:
        shown = ", ".join(
            f"TLS {probe.version} {_accepted(probe.accepted)}" for probe in report.versions
        )
        step("versions", shown)
    return lines


def _alpn(handshake: Handshake) -> str:
    offered = handshake.options.alpn
    return f", ALPN {', '.join(offered)}" if offered else ""


def _client_auth_lines(report: EndpointReport) -> list[str]:
    handshake = report.handshake
    if not handshake.certificate_requested:
        if handshake.completed or handshake.failure is None:
            return ["  client cert  not requested by the server"]
        return []
    names = handshake.client_ca_texts
    listed = "; ".join(names) if names else "(the request names no CAs)"
    client = handshake.options.client
    sent = f"sent {client.label}" if handshake.client_certificate_sent and client else "none sent"
    return [f"  client cert  requested, {sent}", f"  client CAs   {listed}"]


def _staple_text(staple: OCSPStaple) -> str:
    if staple.error is not None:
        return f"unreadable: {staple.error}"
    if staple.cert_status is None:
        return f"response status {staple.response_status}"
    parts = [staple.cert_status]
    if staple.this_update is not None:
        parts.append(f"updated {staple.this_update:%Y-%m-%d %H:%M}")
    if staple.next_update is not None:
        parts.append(f"next update {staple.next_update:%Y-%m-%d %H:%M}")
    if staple.responder:
        parts.append(f"responder {staple.responder}")
    return ", ".join(parts)


def _accepted(accepted: bool | None) -> str:
    if accepted is None:
        return "untested"
    return "yes" if accepted else "no"
