"""One module per schema version (see ../migrate.py).

m0001_reports: aggregate and failure reports a domain owner receives (report ingest).
m0002_recorded: the messages a receiver verified (verify-eml/milter/pipeline --record), for report generate.
"""
