"""ARC, the Authenticated Received Chain (RFC 8617): the one import others use.

    from toolkit.core.arc import verify, ArcResult, ArcReason

parse.py checks the chain's structure, engine.py the AMS and AS signatures, verify.py the RFC 8617 §5.2
algorithm, result.py the typed result.
"""

from toolkit.core.arc.result import ArcInstance, ArcReason, ArcResult, CheckStatus, SignatureCheck
from toolkit.core.arc.verify import verify

__all__ = ["ArcInstance", "ArcReason", "ArcResult", "CheckStatus", "SignatureCheck", "verify"]
