"""Pure domain code: identifiers, Thai data rules, FHIR helpers, errors and ports.

Nothing here may import Qt, httpx, sqlcipher3, keyring or touch the disk or network.
"""
