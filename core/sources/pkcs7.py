"""PKCS#7 / CMS SignedData certificate bundles (.p7b, .p7c), in PEM or DER."""

from __future__ import annotations

from pinscope.core import der
from pinscope.core.certificate import Certificate, load_certificate
from pinscope.core.errors import DamagedInput

SIGNED_DATA = "1.2.840.113549.1.7.2"


def is_signed_data(top: der.Element) -> bool:
    """A ContentInfo whose content type is signedData."""
    try:
        parts = top.children()
        return bool(parts) and parts[0].is_universal(der.OID) and parts[0].oid() == SIGNED_DATA
    except der.DERError:
        return False


def certificates(data: bytes) -> tuple[list[Certificate], list[str]]:
    """The certificates of a SignedData, in the order they are stored, and why any could not be
    read (each damaged certificate is skipped and said in a sentence).

    Raises:
        DamagedInput: the structure is not a readable SignedData.
    """
    try:
        content_info = der.parse(data).children()
        if content_info[0].oid() != SIGNED_DATA:
            raise DamagedInput("the PKCS#7 structure holds no signedData")
        signed_data = content_info[1].children()[0].children()
    except (der.DERError, IndexError) as error:
        raise DamagedInput(f"the PKCS#7 structure is damaged or truncated ({error})") from error

    result = []
    problems = []
    for part in signed_data:
        if not part.is_context(0):  # [0] IMPLICIT certificates; [1] holds CRLs
            continue
        try:
            elements = part.children()
        except der.DERError as error:
            raise DamagedInput(f"the PKCS#7 certificate list is damaged ({error})") from error
        for index, element in enumerate(elements, start=1):
            if not element.is_universal(der.SEQUENCE):
                continue  # attribute or other certificate formats
            what = f"certificate {index} of the PKCS#7 bundle"
            try:
                result.append(load_certificate(element.raw, what))
            except DamagedInput as error:
                problems.append(str(error))
    return result, problems
