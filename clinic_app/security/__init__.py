"""Keys and secrets: the database key in the OS keyring or wrapped by a passphrase.

Owns everything about where a secret lives; never logs one. Staff accounts, password
hashing and the device key pair join this package with the security issue.
"""
