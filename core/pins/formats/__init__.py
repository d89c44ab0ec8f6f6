"""The registry of pin configuration formats: one module per target, one `render` each.

Each module named here defines `render_<name>(pin_set: PinSet) -> Rendered` functions, listed
in FORMATS with a one-line description; `render(name, pin_set)` looks the format up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from pinscope.core.pins.model import PinSet, Rendered

__all__ = ["FORMATS", "Format", "render"]


@dataclass(frozen=True)
class Format:
    """One `--format NAME`."""

    name: str
    module: str
    """The module under pinscope.core.pins.formats that renders it."""
    function: str
    description: str

    def renderer(self) -> Callable[[PinSet], Rendered]:
        module = importlib.import_module(f"{__name__}.{self.module}")
        function: Callable[[PinSet], Rendered] = getattr(module, self.function)
        return function


def _formats(*formats: Format) -> dict[str, Format]:
    return {item.name: item for item in formats}


FORMATS = _formats(
    Format("android", "android", "render_android", "Android Network Security Config XML"),
    Format("trustkit-android", "android", "render_trustkit_android", "TrustKit for Android XML"),
    Format("okhttp-kotlin", "okhttp", "render_kotlin", "OkHttp CertificatePinner, Kotlin"),
    Format("okhttp-java", "okhttp", "render_java", "OkHttp CertificatePinner, Java"),
    Format("ios-ats", "ios", "render_ats", "iOS App Transport Security NSPinnedDomains"),
    Format("trustkit-ios", "ios", "render_trustkit_swift", "TrustKit for iOS, Swift"),
    Format("trustkit-plist", "ios", "render_trustkit_plist", "TrustKit for iOS, Info.plist"),
    Format(
        "react-native",
        "mobile",
        "render_react_native",
        "react-native-ssl-public-key-pinning initialisation",
    ),
    Format("alamofire", "mobile", "render_alamofire", "Alamofire certificates and trust manager"),
    Format("flutter", "mobile", "render_flutter", "Flutter http_certificate_pinning fingerprints"),
    Format("curl", "servers", "render_curl", "curl --pinnedpubkey argument"),
    Format("hpkp", "servers", "render_hpkp", "Public-Key-Pins header (deprecated)"),
    Format("envoy", "servers", "render_envoy", "Envoy CertificateValidationContext"),
    Format("go", "servers", "render_go", "Go VerifyPeerCertificate function"),
    Format("json", "data", "render_json", "the pin set as JSON"),
    Format("csv", "data", "render_csv", "the pin set as CSV"),
)
"""Every `--format NAME`, in the order `--help` lists them."""


def render(name: str, pin_set: PinSet) -> Rendered:
    """The configuration `name` for `pin_set`.

    Raises:
        ValueError: no such format.
    """
    chosen = FORMATS.get(name)
    if chosen is None:
        raise ValueError(f"unknown pin format {name!r}; expected one of {', '.join(FORMATS)}")
    return chosen.renderer()(pin_set)
