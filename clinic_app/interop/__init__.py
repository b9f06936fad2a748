"""Conversions between external formats (MOPH 43 files) and FHIR. Pure of Qt and HTTP."""
