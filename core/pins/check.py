"""Check a pin configuration read back by `configs.read_config` against real chains.

For each configured domain: which source was checked, which host rule of the platform applies,
which pin matched which certificate of which chain under the platform's own chain rule, whether
a backup pin exists, when the pins expire, and the verdict: would the app connect? A rotation
preview runs the same check on the chain as it will be once a new certificate, CSR or key is
deployed. When cross-signing gives a client several complete paths, platforms that check the
built chain are judged on each, and a verdict that depends on the path is said to.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pinscope.core.chain import CertificationPath, host_matches, validate
from pinscope.core.endpoint.handshake import ConnectOptions
from pinscope.core.endpoint.probe import inspect_endpoint
from pinscope.core.endpoint.proxy import proxy_from_environment
from pinscope.core.endpoint.target import DEFAULT_PORT, Target, is_ip_address
from pinscope.core.inspection import Inspection, Settings
from pinscope.core.model import Certificate, Finding, Severity, Source
from pinscope.core.pins import configs
from pinscope.core.pins.configs import PinConfig, PinnedDomain
from pinscope.core.pins.model import INTERMEDIATE, LEAF, ROOT
from pinscope.core.pins.safety import EXPIRY_WARN_DAYS

__all__ = [
    "RULES",
    "CheckedChain",
    "ConnectTo",
    "DomainVerdict",
    "Link",
    "Outcome",
    "PathOutcome",
    "PinMatch",
    "Rules",
    "chain_from_inspection",
    "check_config",
    "default_targets",
    "next_links",
    "no_host_reason",
    "route",
]

logger = logging.getLogger(__name__)

BUILT = "built"
"""Any certificate of the chain the client builds, root from its trust store included."""
IOS = "ios"
"""iOS ATS: the CA list against the built chain's non-leaf certificates, the leaf list against
the leaf; both must match when both are given."""
LEAF_ONLY = "leaf"
"""Only the leaf's key."""

ANY_DEPTH = "any-depth"
ONE_LABEL = "one-label"
OKHTTP_PATTERNS = "okhttp"
NO_HOST = "no-host"


@dataclass(frozen=True)
class Rules:
    """How one platform applies a pin configuration."""

    chain: str
    """BUILT, IOS or LEAF_ONLY."""
    hosts: str
    """ANY_DEPTH (includeSubdomains covers any depth), ONE_LABEL (iOS), OKHTTP_PATTERNS
    (`*.` one label, `**.` any depth and the apex) or NO_HOST (curl: whatever was asked)."""
    longest_match: bool
    """True: only the most specific matching entry applies; False: matching entries combine."""
    expiry_disables: bool
    """Whether the platform stops pinning after the pin set's expiration date."""
    chain_text: str


RULES = {
    configs.ANDROID: Rules(BUILT, ANY_DEPTH, True, True, "the chain Android builds, root included"),
    configs.TRUSTKIT_ANDROID: Rules(
        BUILT, ANY_DEPTH, True, True, "the chain Android builds, root included"
    ),
    configs.OKHTTP: Rules(
        BUILT, OKHTTP_PATTERNS, False, False, "OkHttp's cleaned chain, root included"
    ),
    configs.IOS_ATS: Rules(IOS, ONE_LABEL, False, False, "the chain iOS builds, root included"),
    configs.TRUSTKIT_IOS: Rules(
        BUILT, ANY_DEPTH, True, True, "the chain iOS evaluates, anchor included"
    ),
    configs.CURL: Rules(LEAF_ONLY, NO_HOST, False, False, "the server's leaf certificate only"),
    configs.HPKP: Rules(BUILT, ANY_DEPTH, True, False, "the validated chain"),
    configs.ENVOY: Rules(
        LEAF_ONLY, NO_HOST, False, False, "the certificate the server presents (its leaf) only"
    ),
    configs.JSON: Rules(BUILT, ANY_DEPTH, True, True, "the built chain, root included"),
}
"""Each platform of `configs.PLATFORMS` and its rules (pin-formats.md, matrix 0.3)."""


@dataclass(frozen=True)
class Link:
    """One certificate (or key) of a chain, as pins see it."""

    pin: str
    name: str
    role: str
    """LEAF, INTERMEDIATE or ROOT."""
    sent: bool = True
    """Whether the server (or file) supplied it; False for a root taken from the trust store."""
    certificate: str | None = None
    """SHA-256 fingerprint of the certificate; None for a key or a CSR."""


@dataclass(frozen=True)
class CheckedChain:
    """What one source offers to check pins against."""

    name: str
    """`host:port` of an endpoint or the file's name."""
    host: str | None
    """The server name a client asked for (SNI, else the target's DNS name); None for files."""
    links: tuple[Link, ...]
    """The built path, leaf first, root included when it reaches a trust anchor."""
    trusted: bool
    problem: str | None = None
    """Why the chain is not trusted or there is none; None when it is trusted."""
    certificates: tuple[Certificate, ...] = ()
    """The certificates of `links`, for the rotation preview."""
    alternatives: tuple[tuple[Link, ...], ...] = ()
    """Other complete paths a client may build instead (cross-signed CAs), best first, each
    leaf first; paths holding a certificate outside its validity are left out."""


@dataclass(frozen=True)
class PinMatch:
    """A configured pin that is the key of a certificate of the checked chain."""

    pin: str
    link: Link
    position: int
    """0 for the leaf, then up to the root."""
    listed_in: str
    """"pins", or for iOS ATS "NSPinnedCAIdentities" / "NSPinnedLeafIdentities"."""
    counts: bool
    """Whether the platform's chain rule accepts this match (a CA pin in curl does not)."""


@dataclass(frozen=True)
class Outcome:
    """The platform's verdict on one chain."""

    passed: bool
    matches: tuple[PinMatch, ...]
    reason: str
    """Why it passed or failed, in a sentence."""


@dataclass(frozen=True)
class PathOutcome:
    """The platform's verdict on one of the complete paths a client may build."""

    links: tuple[Link, ...]
    outcome: Outcome
    cross_signed: bool
    """False for the path Pinscope chose (the one most clients build), True for the others."""

    @property
    def label(self) -> str:
        """“the root “X”” or “the cross-signed root “Y””: the anchor that tells paths apart."""
        kind = "the cross-signed root" if self.cross_signed else "the root"
        return f"{kind} “{self.links[-1].name}”"


@dataclass(frozen=True)
class DomainVerdict:
    """Everything `check-pins` says about one configured domain and one source."""

    domain: PinnedDomain
    platform: str
    source: str | None
    """The endpoint or file checked; None when no source covered the domain."""
    host: str | None
    """The host name matched against the configuration; None when unknown (a file)."""
    governing: tuple[str, ...]
    """The configured patterns whose pins apply to `host` under the platform's rule."""
    chain: tuple[Link, ...]
    outcome: Outcome | None
    """None when nothing was checked: no source, or the pins do not apply to the host."""
    backups: tuple[str, ...]
    """Configured pins matching no certificate of the checked chain."""
    expires: dt.date | None
    expired: bool
    connects: bool | None
    """Whether the app would connect; None when nothing could be checked."""
    verdict: str
    """"the app would connect…" or "the app would refuse, because …"."""
    rotation: Outcome | None = None
    """The outcome once `next_source` is deployed; None without a rotation preview."""
    findings: tuple[Finding, ...] = ()
    paths: tuple[PathOutcome, ...] = ()
    """Each complete path a client may build, the chosen one first, when there are several and
    the platform checks the built chain; empty otherwise."""
    depends_on_path: bool = False
    """Whether the app connects through some of `paths` and refuses through others."""
    days_left: int | None = None
    """Days from the moment judged to the pin set's expiration date; None when it has none."""

    @property
    def expiry_text(self) -> str:
        """When the pins expire, in words: "never", "2027-01-31 (in 58 days)", "… (expired)"."""
        if self.expires is None:
            return "never"
        if self.expired:
            return f"{self.expires} (expired)"
        days = self.days_left
        if days is None or days < 0:
            return str(self.expires)
        return f"{self.expires} (in {days} day{'' if days == 1 else 's'})"

    @property
    def fails(self) -> bool:
        refused_next = self.rotation is not None and not self.rotation.passed
        return (
            self.connects is False
            or self.depends_on_path
            or (self.connects is True and refused_next)
        )


# ---- chains ------------------------------------------------------------------------------------


def chain_from_inspection(inspection: Inspection, host: str | None = None) -> CheckedChain:
    """The built chain of an endpoint or a file as `check_config` needs it.

    Args:
        inspection: what `inspect_path` or `inspect_endpoint` returned.
        host: the server name a client asks for; for endpoints the SNI or target host when None.
    """
    if host is None and inspection.endpoint is not None:
        handshake = inspection.endpoint.handshake
        target_host = handshake.target.host
        host = handshake.sni or (None if is_ip_address(target_host) else target_host)
    if inspection.error is not None:
        return CheckedChain(inspection.name, host, (), False, str(inspection.error))
    if inspection.endpoint is not None and inspection.endpoint.handshake.failure is not None:
        failure = inspection.endpoint.handshake.failure.message
        if not inspection.endpoint.handshake.chain:
            return CheckedChain(inspection.name, host, (), False, f"no handshake: {failure}")
    validation = inspection.validation
    if validation is None:
        return CheckedChain(
            inspection.name, host, (), False, "it holds no server certificate chain"
        )
    sent = {cert.sha256 for cert in (validation.given or ())}
    certificates = validation.path.certificates
    sent.add(certificates[0].sha256)
    links = _links(validation.path, sent)
    alternatives = tuple(
        _links(path, sent) for path in validation.alternatives if _valid_at(path, validation.at)
    )
    problem = None if validation.trusted else " ".join(validation.errors) or "it is not trusted"
    return CheckedChain(
        inspection.name, host, links, validation.trusted, problem, certificates, alternatives
    )


def _links(path: CertificationPath, sent: set[str]) -> tuple[Link, ...]:
    certificates = path.certificates
    return tuple(
        _link(cert, i, len(certificates), cert.sha256 in sent, path.complete)
        for i, cert in enumerate(certificates)
    )


def _valid_at(path: CertificationPath, moment: dt.datetime) -> bool:
    """Whether every certificate of `path` is within its validity: a client builds no other."""
    return all(
        cert.details.not_before <= moment <= cert.details.not_after for cert in path.certificates
    )


def _link(cert: Certificate, index: int, length: int, sent: bool, complete: bool) -> Link:
    if index == 0:
        role = LEAF
    elif index == length - 1 and (complete or cert.details.self_signed):
        role = ROOT
    else:
        role = INTERMEDIATE
    return Link(cert.details.public_key.spki_sha256, cert.short_name, role, sent, cert.sha256)


def next_links(next_source: Source, current: CheckedChain, settings: Settings) -> tuple[Link, ...]:
    """The chain as it will be after deploying `next_source`.

    A certificate is built into a path with the current chain's CAs and the trust stores; a key
    or a CSR becomes the new leaf key under the current chain's CAs.
    """
    certificates = next_source.certificates()
    end_entities = [c for c in certificates if not c.details.is_ca] or certificates
    if end_entities:
        leaf = end_entities[0]
        given = [*certificates, *current.certificates[1:]]
        validation = validate(leaf, given, settings.stores, at=settings.context.now)
        path = validation.path.certificates
        return tuple(
            _link(c, i, len(path), True, validation.path.complete) for i, c in enumerate(path)
        )
    pins = [pin for entry in next_source.entries for pin in entry.pins]
    if not pins:
        return ()
    new_leaf = Link(pins[0].value, f"{pins[0].source} ({next_source.name})", LEAF, True)
    return (new_leaf, *current.links[1:])


def default_targets(config: PinConfig) -> list[tuple[PinnedDomain, Target]]:
    """Each configured domain on port 443: the apex for `*.` and `**.` patterns."""
    return [(domain, Target(domain.host, DEFAULT_PORT)) for domain in config.domains if domain.host]


def no_host_reason(config: PinConfig) -> str | None:
    """Why `config` cannot be checked without sources; None when it names a host to contact.

    A curl pin string or an Envoy snippet applies to whatever host the client asks for, so
    there is no domain to connect to: the server or its certificate must be given.
    """
    if default_targets(config):
        return None
    return (
        f"{config.name} names no host ({config.platform_name}); give the server or its "
        "certificate to check it against"
    )


@dataclass(frozen=True)
class ConnectTo:
    """Connect somewhere else whenever a host and port are asked for (curl's `--connect-to`).

    The client still sends the asked-for host as SNI and verifies the certificate for it, so a
    configuration can be checked against a staging server, a load balancer's address or a test
    server on loopback.
    """

    host: str | None
    """The host name asked for, lower case; None matches any host."""
    port: int | None
    """The port asked for; None matches any port."""
    address: str
    """Where to connect instead: a host name or an IP address without brackets."""
    address_port: int | None = None
    """The port to connect to instead; None keeps the asked-for port."""

    def route(self, target: Target) -> Target | None:
        """Where to connect for `target`; None when this rule does not apply to it."""
        if self.host is not None and self.host != target.host.lower().rstrip("."):
            return None
        if self.port is not None and self.port != target.port:
            return None
        return Target(self.address, self.address_port or target.port)


def route(target: Target, rules: Sequence[ConnectTo]) -> Target:
    """Where to connect for `target`: the first rule that applies, else `target` itself."""
    for rule in rules:
        address = rule.route(target)
        if address is not None:
            return address
    return target


# ---- hosts -------------------------------------------------------------------------------------


def covers(rules: Rules, domain: PinnedDomain, host: str) -> bool:
    """Whether `domain`'s pattern matches `host` under the platform's host rule."""
    host = host.lower().rstrip(".")
    pattern = domain.pattern
    if rules.hosts == NO_HOST or not pattern:
        return True
    if rules.hosts == OKHTTP_PATTERNS:
        if pattern.startswith("**."):
            base = pattern[3:]
            return host == base or host.endswith("." + base)
        if pattern.startswith("*."):
            base = pattern[2:]
            return host.endswith("." + base) and "." not in host[: -len(base) - 1]
        return host == pattern
    if host == pattern:
        return True
    if not domain.include_subdomains:
        return False
    if rules.hosts == ONE_LABEL:
        return host.partition(".")[2] == pattern
    return host.endswith("." + pattern)


def governing(config: PinConfig, host: str) -> list[PinnedDomain]:
    """The entries whose pins apply to `host`: the most specific one, or all that match."""
    rules = RULES[config.platform]
    matching = [domain for domain in config.domains if covers(rules, domain, host)]
    if not rules.longest_match or not matching:
        return matching
    exact = [domain for domain in matching if domain.pattern == host.lower().rstrip(".")]
    if exact:
        return exact[:1]
    return [max(matching, key=lambda domain: len(domain.pattern))]


# ---- pins against a chain ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Effective:
    pins: tuple[str, ...]
    ca_pins: tuple[str, ...] = ()
    leaf_pins: tuple[str, ...] = ()
    has_ca_list: bool = False
    has_leaf_list: bool = False


def _effective(entries: Sequence[PinnedDomain]) -> _Effective:
    def union(values: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(pin for group in values for pin in group))

    return _Effective(
        union([e.pins for e in entries]),
        union([e.ca_pins for e in entries]),
        union([e.leaf_pins for e in entries]),
        any(e.has_ca_list for e in entries),
        any(e.has_leaf_list for e in entries),
    )


def evaluate(rules: Rules, pins: _Effective, chain: Sequence[Link], platform: str) -> Outcome:
    """Whether the platform's chain rule accepts `chain` with these pins."""
    if not chain:
        return Outcome(False, (), "there is no chain to check the pins against")
    if rules.chain == IOS:
        return _evaluate_ios(pins, chain)
    matches = tuple(
        PinMatch(pin, link, i, "pins", rules.chain == BUILT or i == 0)
        for i, link in enumerate(chain)
        for pin in pins.pins
        if pin == link.pin
    )
    counted = [m for m in matches if m.counts]
    name = configs.PLATFORMS.get(platform, platform)
    if counted:
        first = counted[0]
        return Outcome(True, matches, f"{_describe(first)} is pinned")
    if matches:
        return Outcome(
            False,
            matches,
            f"{_describe(matches[0])} is pinned, but {name} checks {rules.chain_text}",
        )
    return Outcome(False, matches, f"no pin is the key of any certificate of {rules.chain_text}")


def _evaluate_ios(pins: _Effective, chain: Sequence[Link]) -> Outcome:
    matches = [
        PinMatch(pin, link, i, "NSPinnedCAIdentities", i > 0)
        for i, link in enumerate(chain)
        for pin in pins.ca_pins
        if pin == link.pin
    ]
    matches += [
        PinMatch(pin, link, i, "NSPinnedLeafIdentities", i == 0)
        for i, link in enumerate(chain)
        for pin in pins.leaf_pins
        if pin == link.pin
    ]
    failures = []
    for listed, present, where in (
        ("NSPinnedCAIdentities", pins.has_ca_list, "a CA certificate of the built chain"),
        ("NSPinnedLeafIdentities", pins.has_leaf_list, "the leaf"),
    ):
        if not present:
            continue
        own = [m for m in matches if m.listed_in == listed]
        if any(m.counts for m in own):
            continue
        if own:
            failures.append(
                f"{listed} holds the key of {_describe(own[0])}, but ATS checks that list "
                f"against {where} only"
            )
        elif listed == "NSPinnedCAIdentities" and len(chain) == 1:
            failures.append("NSPinnedCAIdentities never matches a chain of one certificate")
        else:
            failures.append(f"no key in {listed} is the key of {where}")
    if not pins.has_ca_list and not pins.has_leaf_list:
        failures.append("the entry has neither NSPinnedCAIdentities nor NSPinnedLeafIdentities")
    if failures:
        return Outcome(False, tuple(matches), "; ".join(failures))
    counted = [m for m in matches if m.counts]
    return Outcome(True, tuple(matches), " and ".join(f"{_describe(m)} is pinned" for m in counted))


def _describe(match: PinMatch) -> str:
    link = match.link
    where = "" if link.sent else ", taken from the trust store (the server does not send it)"
    return f"the {link.role} “{link.name}”{where}"


# ---- verdicts ----------------------------------------------------------------------------------


def check_config(
    config: PinConfig,
    inspections: Sequence[Inspection],
    settings: Settings,
    next_source: Source | None = None,
    options: ConnectOptions | None = None,
    connect_to: Sequence[ConnectTo] = (),
    environ: Mapping[str, str] | None = None,
) -> list[DomainVerdict]:
    """Check every configured domain against the sources.

    Args:
        config: what `read_config` returned.
        inspections: files and endpoints, already inspected; when empty, each configured domain
            is connected to on port 443 (network!) with `options`.
        settings: the trust stores and the moment to judge at.
        next_source: a certificate, CSR or key about to be deployed: the rotation preview.
        options: how to connect in the default case (proxy, timeout, client certificate, TLS
            versions); ConnectOptions() when None. Its server name and STARTTLS protocol are
            not used: each domain is contacted as an app contacts it, speaking TLS at once on
            port 443 and sending the domain as SNI.
        connect_to: in the default case, where to connect instead of a domain's own address;
            the domain stays the SNI and the name the certificate is verified for.
        environ: in the default case, when `options` names no proxy, the environment whose
            `https_proxy` and `no_proxy` choose one for each domain (`os.environ`, say); None
            connects directly.

    Returns:
        One verdict per configured domain and source that covers it (at least one per domain).
    """
    if not inspections:
        defaults = _DefaultConnection(options or ConnectOptions(), connect_to, environ)
        return _check_default_endpoints(config, settings, next_source, defaults)
    chains = [chain_from_inspection(inspection) for inspection in inspections]
    verdicts = []
    for domain in config.domains:
        chosen = _chains_for(config, domain, chains)
        if not chosen:
            verdicts.append(_unchecked(config, domain, settings))
        for chain in chosen:
            verdicts.append(_verdict(config, domain, chain, chain.host, settings, next_source))
    return verdicts


@dataclass(frozen=True)
class _DefaultConnection:
    """How configured domains are contacted when no source is given."""

    options: ConnectOptions
    connect_to: Sequence[ConnectTo]
    environ: Mapping[str, str] | None

    def options_for(self, domain: PinnedDomain) -> ConnectOptions:
        """`options` as a client of `domain` uses them: its name as SNI, TLS at once, and the
        proxy the environment names for it unless one was given."""
        sni = None if is_ip_address(domain.host) else domain.host
        proxy = self.options.proxy
        if proxy is None and self.environ is not None:
            proxy = proxy_from_environment(domain.host, self.environ)
        return dataclasses.replace(self.options, sni=sni, starttls=None, proxy=proxy)


def _check_default_endpoints(
    config: PinConfig,
    settings: Settings,
    next_source: Source | None,
    defaults: _DefaultConnection,
) -> list[DomainVerdict]:
    verdicts = []
    for domain, target in default_targets(config):
        address = route(target, defaults.connect_to)
        inspection = _inspect_domain(domain, target, address, defaults, settings)
        chain = chain_from_inspection(inspection, domain.host)
        if address != target:
            chain = dataclasses.replace(chain, name=f"{target.label} via {address.label}")
        # For `*.x` the apex stands in for hosts the pattern covers: match as the pattern.
        host = None if domain.pattern.startswith("*") else chain.host
        verdicts.append(_verdict(config, domain, chain, host, settings, next_source))
    return verdicts


def _inspect_domain(
    domain: PinnedDomain,
    target: Target,
    address: Target,
    defaults: _DefaultConnection,
    settings: Settings,
) -> Inspection:
    """Connect to `address` as a client of `domain`: its name as SNI and as the name verified."""
    options = defaults.options_for(domain)
    if settings.context.host is None:
        context = dataclasses.replace(settings.context, host=domain.host)
        settings = dataclasses.replace(settings, context=context)
    logger.debug("checking %s at %s", target.label, address.label)
    return inspect_endpoint(address, options, settings)


def _chains_for(
    config: PinConfig, domain: PinnedDomain, chains: Sequence[CheckedChain]
) -> list[CheckedChain]:
    """The sources that show `domain`: by host, else by the leaf's names, else the only one."""
    rules = RULES[config.platform]
    by_host = [c for c in chains if c.host is not None and covers(rules, domain, c.host)]
    if by_host:
        return by_host
    name = domain.host if not domain.pattern.startswith("*") else f"pinscope-check.{domain.host}"
    by_names = [c for c in chains if c.host is None and c.certificates and _leaf_names(c, name)]
    if by_names:
        return by_names
    return list(chains) if len(chains) == 1 or not domain.pattern else []


def _leaf_names(chain: CheckedChain, name: str) -> bool:
    return bool(name) and host_matches(name, chain.certificates[0])


def _unchecked(config: PinConfig, domain: PinnedDomain, settings: Settings) -> DomainVerdict:
    finding = Finding(
        "pin.unchecked",
        Severity.WARNING,
        f"Nothing checked {domain.label}",
        "No SOURCE given is an endpoint for this host or a certificate valid for it.",
        f"Add {domain.host or 'the server'}:443 (or its certificate file) to the sources.",
    )
    return DomainVerdict(
        domain,
        config.platform,
        None,
        None,
        (),
        (),
        None,
        (),
        domain.expires,
        _expired(config, domain, settings.context.now),
        None,
        "not checked: no source covers this domain",
        findings=(finding, *_expiring_soon(config, domain, settings.context.now)),
        days_left=_days_left(domain, settings.context.now),
    )


def _days_left(domain: PinnedDomain, now: dt.datetime) -> int | None:
    if domain.expires is None:
        return None
    return (domain.expires - now.astimezone(dt.UTC).date()).days


def _expired(config: PinConfig, domain: PinnedDomain, now: dt.datetime) -> bool:
    # Android parses the date at device-local midnight, TrustKit at UTC midnight; judged in UTC.
    return (
        RULES[config.platform].expiry_disables
        and domain.expires is not None
        and now.astimezone(dt.UTC).date() >= domain.expires
    )


def _verdict(
    config: PinConfig,
    domain: PinnedDomain,
    chain: CheckedChain,
    host: str | None,
    settings: Settings,
    next_source: Source | None,
) -> DomainVerdict:
    rules = RULES[config.platform]
    now = settings.context.now
    entries = governing(config, host) if host is not None and domain.pattern else [domain]
    patterns = tuple(entry.pattern for entry in entries)
    expired = _expired(config, domain, now)
    base = DomainVerdict(
        domain,
        config.platform,
        chain.name,
        host,
        patterns,
        chain.links,
        None,
        (),
        domain.expires,
        expired,
        None,
        "",
        days_left=_days_left(domain, now),
    )

    if domain not in entries:
        return _not_governing(base, config, entries)
    pins = _effective(entries)
    outcome = evaluate(rules, pins, chain.links, config.platform)
    current = {link.pin for link in chain.links}
    backups = tuple(pin for pin in pins.pins if pin not in current)
    rotation = None
    if next_source is not None:
        upcoming = next_links(next_source, chain, settings)
        rotation = evaluate(rules, pins, upcoming, config.platform)

    connects, verdict = _judge(config, domain, chain, outcome, expired)
    paths = _path_outcomes(rules, pins, chain, outcome, config.platform)
    judged = [_judge(config, domain, chain, path.outcome, expired)[0] for path in paths]
    depends = len(set(judged)) > 1
    if depends:
        verdict = _path_verdict(paths, judged)
    verdict_base = dataclasses.replace(
        base,
        outcome=outcome,
        backups=backups,
        connects=connects,
        verdict=verdict,
        rotation=rotation,
        paths=paths,
        depends_on_path=depends,
    )
    findings = _findings(config, verdict_base, rules, now)
    return dataclasses.replace(verdict_base, findings=tuple(findings))


def _path_outcomes(
    rules: Rules, pins: _Effective, chain: CheckedChain, chosen: Outcome, platform: str
) -> tuple[PathOutcome, ...]:
    """The verdict through each complete path, when there are several and the platform checks
    the path it builds (a leaf-only check is the same on every path)."""
    if rules.chain == LEAF_ONLY or not chain.alternatives or not chain.trusted:
        return ()
    others = tuple(
        PathOutcome(links, evaluate(rules, pins, links, platform), True)
        for links in chain.alternatives
    )
    return (PathOutcome(chain.links, chosen, False), *others)


def _path_verdict(paths: Sequence[PathOutcome], connects: Sequence[bool]) -> str:
    passing = [path.label for path, ok in zip(paths, connects, strict=True) if ok]
    refusing = [path.label for path, ok in zip(paths, connects, strict=True) if not ok]
    which = "that path" if len(refusing) == 1 else "those paths"
    return (
        "the app would connect or refuse depending on the path the device builds: the pins "
        f"match through {_joined(passing)}, not through {_joined(refusing)}: devices that "
        f"build {which} will refuse"
    )


def _joined(labels: Sequence[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def _not_governing(
    base: DomainVerdict, config: PinConfig, entries: Sequence[PinnedDomain]
) -> DomainVerdict:
    host = base.host or ""
    if entries:
        others = ", ".join(entry.pattern for entry in entries)
        text = f"{host} is governed by {others}, not by this entry (the more specific one wins)"
    else:
        text = f"{config.platform_name} does not apply this entry to {host}: it is not pinned"
    finding = Finding(
        "pin.host-not-covered",
        Severity.WARNING,
        f"{domain_label(base.domain)} does not pin {host}",
        f"{text}. {_host_rule(config.platform)}",
        "Add an entry for this host, or set includeSubdomains (or `**.`) where the platform "
        "supports it.",
    )
    return dataclasses.replace(
        base, connects=None, verdict=f"not pinned here: {text}", findings=(finding,)
    )


def domain_label(domain: PinnedDomain) -> str:
    return domain.label


def _host_rule(platform: str) -> str:
    return {
        configs.IOS_ATS: "On iOS, NSIncludesSubdomains covers one extra label only.",
        configs.OKHTTP: "In OkHttp, `*.` covers exactly one label and `**.` any depth.",
    }.get(platform, "includeSubdomains covers any depth; the longest matching entry wins.")


def _judge(
    config: PinConfig,
    domain: PinnedDomain,
    chain: CheckedChain,
    outcome: Outcome,
    expired: bool,
) -> tuple[bool, str]:
    if not chain.links:
        return False, f"the app would refuse, because {chain.problem or 'there is no chain'}"
    if not chain.trusted:
        return False, f"the app would refuse, because the chain is not trusted: {chain.problem}"
    if expired:
        return True, (
            f"the app would connect: the pins expired on {domain.expires}, so "
            f"{config.platform_name} no longer checks them"
        )
    if domain.pins == () and not domain.has_ca_list and not domain.has_leaf_list:
        return True, "the app would connect: this entry has no pins (pinning is off for it)"
    if outcome.passed:
        return True, f"the app would connect: {outcome.reason}"
    if config.platform == configs.TRUSTKIT_IOS and domain.enforce is False:
        return True, (
            f"the app would connect, but TrustKit reports a pin failure (TSKEnforcePinning is "
            f"off): {outcome.reason}"
        )
    suffix = ""
    if config.platform == configs.TRUSTKIT_ANDROID and domain.enforce is False:
        suffix = (
            " (enforcePinning is false, but Android 7 and later enforce the pin-set themselves)"
        )
    return False, f"the app would refuse, because {outcome.reason}{suffix}"


def _findings(
    config: PinConfig, verdict: DomainVerdict, rules: Rules, now: dt.datetime
) -> list[Finding]:
    domain = verdict.domain
    label = domain.label
    findings = []
    if verdict.connects is False:
        findings.append(
            Finding(
                "pin.mismatch",
                Severity.ERROR,
                f"{config.platform_name} would refuse {verdict.host or verdict.source}",
                f"Checked against {verdict.source}: {verdict.verdict.rstrip('.')}.",
                "Pin a key of the chain the platform checks (an intermediate or root CA key is "
                "the safest), plus a backup key.",
            )
        )
    rotation = verdict.rotation
    if rotation is not None and not rotation.passed and verdict.connects is not False:
        findings.append(
            Finding(
                "pin.mismatch",
                Severity.ERROR,
                f"{label} would refuse the next certificate",
                f"After the planned deployment the app would refuse: {rotation.reason}.",
                "Add the new key's pin (or a CA pin) to the configuration and ship it before "
                "deploying the new certificate.",
            )
        )
    if not verdict.backups and domain.pins:
        findings.append(
            Finding(
                "pin.no-backup",
                Severity.WARNING,
                f"No backup pin for {label}",
                "Every pin is a key of the current chain: when those keys change, the app "
                "refuses the server until it is updated.",
                "Add the pin of a spare key (`pinscope new-backup-key`) or of another CA.",
            )
        )
    outcome = verdict.outcome
    if outcome is not None and rules.chain != LEAF_ONLY and outcome.passed:
        counted = [m for m in outcome.matches if m.counts]
        if counted and all(m.position == 0 for m in counted):
            findings.append(
                Finding(
                    "pin.leaf-only",
                    Severity.WARNING,
                    f"Only the leaf key matches for {label}",
                    "A renewal with a new key breaks the app unless a backup pin matches.",
                    "Pin an intermediate or root CA key as well, or renew with the same key.",
                )
            )
    if verdict.depends_on_path:
        findings.append(_path_finding(config, verdict))
    findings += _expiring_soon(config, domain, now)
    if verdict.expired:
        findings.append(
            Finding(
                "pin.expired",
                Severity.WARNING,
                f"The pins of {label} expired on {domain.expires}",
                f"{config.platform_name} stopped checking them: any trusted certificate is "
                "accepted for this domain.",
                "Set a new expiration date (or none) with current pins and ship an update.",
            )
        )
    return findings


def _path_finding(config: PinConfig, verdict: DomainVerdict) -> Finding:
    reasons = "; ".join(
        f"through {path.label}: {'connects' if path.outcome.passed else 'refuses'}, "
        f"{path.outcome.reason}"
        for path in verdict.paths
    )
    return Finding(
        "pin.path-dependent",
        Severity.ERROR,
        f"{config.platform_name} refuses {verdict.host or verdict.domain.label} on devices that "
        "build another path",
        f"Cross-signing gives clients {len(verdict.paths)} complete paths and the pins match only "
        f"some of them ({reasons}). Which path a device builds depends on its trust store and "
        "version, so some devices will refuse.",
        "Pin a key every path holds (the leaf's issuing CA when its cross-signed copies share its "
        "key), or add a pin for the CA of each path.",
    )


_AFTER_EXPIRY = {
    configs.ANDROID: "Android stops checking them silently from midnight of that date on the "
    "device's clock and time zone",
    configs.TRUSTKIT_ANDROID: "Android (and TrustKit below Android 7) stops checking them "
    "silently from midnight of that date on the device's clock and time zone",
    configs.TRUSTKIT_IOS: "TrustKit stops pinning the domain silently from midnight UTC of that "
    "date",
}


def _expiring_soon(config: PinConfig, domain: PinnedDomain, now: dt.datetime) -> list[Finding]:
    """`pin.expired` as a warning when the pin set still applies but expires within 30 days."""
    days = _days_left(domain, now)
    if days is None or not 0 < days <= EXPIRY_WARN_DAYS:
        return []
    if not RULES[config.platform].expiry_disables:
        return []
    after = _AFTER_EXPIRY.get(
        config.platform,
        "platforms with an expiration date (Android, TrustKit) stop pinning silently from then",
    )
    plural = "day" if days == 1 else "days"
    return [
        Finding(
            "pin.expired",
            Severity.WARNING,
            f"The pins of {domain.label} expire on {domain.expires}, in {days} {plural}",
            f"The pin set expires on {domain.expires} ({days} {plural} left). After that, "
            f"{after}: the app then accepts any trusted certificate for this domain and nothing "
            "says so.",
            "Ship an update with a later expiration date (or none) and current pins before then; "
            "apps that are not updated in time lose pinning.",
        )
    ]
