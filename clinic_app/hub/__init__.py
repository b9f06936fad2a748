"""The sandbox MOPH Cloud hub: a real FHIR R4 server for training mode and tests.

Shares `core` only; never imports store, sync or ui. Filled in by the hub issue.
"""
