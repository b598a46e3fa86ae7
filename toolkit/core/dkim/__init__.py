"""DKIM signing and verification (RFC 6376, RFC 8301, RFC 8463): the one import others use.

    from toolkit.core.dkim import SignerConfig, sign, verify, DkimResult, DkimReason

The work lives in sign.py, verify.py and common.py here; canonicalization in core/canon.py and key records
in keyrecord.py.
"""

from toolkit.core.dkim.common import ALGORITHMS, DkimReason
from toolkit.core.dkim.sign import (
    DEFAULT_HEADERS,
    DEFAULT_OVERSIGN,
    PreparedSigner,
    SignerConfig,
    prepare,
    sign,
    sign_prepared,
    signature_fields,
)
from toolkit.core.dkim.verify import DEFAULT_MAX_SIGNATURES, DEFAULT_SKEW, DkimBudget, DkimResult, verify

__all__ = [
    "ALGORITHMS",
    "DEFAULT_HEADERS",
    "DEFAULT_MAX_SIGNATURES",
    "DEFAULT_OVERSIGN",
    "DEFAULT_SKEW",
    "DkimBudget",
    "DkimReason",
    "DkimResult",
    "PreparedSigner",
    "SignerConfig",
    "prepare",
    "sign",
    "sign_prepared",
    "signature_fields",
    "verify",
]
