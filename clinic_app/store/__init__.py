"""The encrypted local record store: the only package that speaks SQL.

One SQLCipher 4 file per data folder (`clinic.db`), versioned migrations, and
repositories that take and return plain FHIR JSON dicts and core values. Nothing here
knows about Qt, HTTP or how keys are kept; the key arrives as 32 raw bytes.
"""
