"""One module per schema version (see ../migrate.py).

m0001_reports: aggregate and failure reports a domain owner receives (report ingest).
m0002: RESERVED for the receiver side's recorded-message table (verify-eml/milter/pipeline --record).
"""
