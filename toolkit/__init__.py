"""emlauth: end-to-end email authentication (DKIM, SPF, DMARC, Authentication-Results)."""

__version__ = "0.1.0"
