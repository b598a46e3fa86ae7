"""Known peer disagreements, as fnmatch patterns over (peer, corpus message, key name, canon).

Each entry carries the STANDARDS rule that says the peer is wrong; test_pinned_disagreements.py pins each one
again on a minimal message.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

# Patterns: (peer, message, key, canon) in fnmatch syntax -> (verdict, STANDARDS rule the peer breaks).

# The peer's verdict on OUR signature.
KNOWN_PEER_VERIFY = [
    # dkimpy cannot parse `Subject : x` (WSP before the colon, RFC 5322 obs-optional): MessageFormatError.
    (("dkimpy", "space_before_colon", "*", "*"), "permerror", "DKIM-24"),
    # Mail::DKIM 1.20230212 (Debian 12) has no ed25519-sha256: "invalid (unsupported algorithm ...)".
    (("mail-dkim", "*", "ed25519", "*"), "permerror", "DKIM-5"),
    # Mail::DKIM's simple body canonicalization adds no CRLF to a body lacking one (RFC 6376 §3.4.3 adds it).
    (("mail-dkim", "no_final_crlf", "rsa*", "*/simple"), "fail", "DKIM-25"),
    # OpenDKIM refuses a relaxed body without a final CRLF ("CRLF at end of body missing") and reports the
    # message as not signed; relaxed canonicalization adds the CRLF.
    (("opendkim", "no_final_crlf", "*", "*/relaxed"), "none", "DKIM-26"),
    # OpenDKIM's test mode (milter emulation without SMFIP_HDR_LEADSPC) rebuilds each field as "Name: value",
    # dropping the WSP after the colon and adding one space; simple header canonicalization must see the field
    # unchanged. An MTA that passes the leading space (the milter's HDR_LEADSPC option) may not show this.
    (("opendkim", "odd_headers", "*", "simple/*"), "fail", "DKIM-23"),
    # OpenDKIM's relaxed canonicalizations drop a bare CR (and the WSP before it in a body line): "a \rb" hashes as
    # "ab". A bare CR is data (DKIM-22); Mail::DKIM and dkimpy keep it, and under simple/simple all four agree.
    (("opendkim", "mixed_eol", "*", "relaxed/*"), "fail", "DKIM-22"),
    (("opendkim", "mixed_eol", "*", "*/relaxed"), "fail", "DKIM-22"),
]

# Our verdict (verdict:reason) on the PEER's signature, where the peer signs wrongly.
KNOWN_OURS_ON_PEER = [
    # OpenDKIM drops bare CRs under relaxed (see KNOWN_PEER_VERIFY); first, since the body hash is checked first
    (("opendkim", "mixed_eol", "*", "*/relaxed"), "fail:BODY_HASH_MISMATCH", "DKIM-22"),
    (("opendkim", "mixed_eol", "*", "relaxed/simple"), "fail:SIGNATURE_MISMATCH", "DKIM-22"),
    # Mail::DKIM hashes a body without a final CRLF as is under simple (DKIM-25 adds the CRLF).
    (("mail-dkim", "no_final_crlf", "*", "*/simple"), "fail:BODY_HASH_MISMATCH", "DKIM-25"),
    # OpenDKIM hashes its own Ed25519 signature field folded one way and emits it folded another way (the
    # short b= fits on the h= line while hashing); under simple header canonicalization no verifier,
    # OpenDKIM included, accepts it.
    (("opendkim", "*", "ed25519", "simple/*"), "fail:SIGNATURE_MISMATCH", "DKIM-20"),
    # OpenDKIM signs "From:Alice" as if it were "From: Alice" (see KNOWN_PEER_VERIFY).
    (("opendkim", "odd_headers", "*", "simple/*"), "fail:SIGNATURE_MISMATCH", "DKIM-23"),
]

# The peer refuses to sign: (pattern, regex of the error it raises).
PEER_SIGN_REFUSES = [
    (("dkimpy", "space_before_colon", "*", "*"), "Unexpected characters in RFC822 header"),
    (("opendkim", "no_final_crlf", "*", "*/relaxed"), "CRLF at end of body missing"),
]


def lookup(table, peer: str, message: str, key: str, canon: str):
    """The first matching entry's values after the pattern, or None."""
    for pattern, *rest in table:
        if all(fnmatchcase(value, p) for value, p in zip((peer, message, key, canon), pattern, strict=True)):
            return rest
    return None
