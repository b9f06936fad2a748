"""Sync with the hub (MOPH Cloud): the only client package that speaks HTTP (httpx).

Receives the store through core protocols. Filled in by the sync engine issue; until
then the outbox in the store only accumulates.
"""
