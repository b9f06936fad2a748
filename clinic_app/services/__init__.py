"""Use cases: open an installation, import and export records, status, maintenance.

Each mutation is one store transaction writing the records, their outbox entries and an
audit entry together. Services take their collaborators as arguments (no globals) and
return values or ChangeSets; they raise KnownError for anything a person must act on.
"""
