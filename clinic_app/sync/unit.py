"""What the unit's desktops exchange with their unit relay beside FHIR: the staff accounts
(with their password hashes and lock-outs), at `POST [relay]/unit/accounts` with the
desktop's token. Never sent to the cloud: only a sync whose partner is the relay calls it."""

from __future__ import annotations

from typing import Any

from clinic_app.sync.client import HubClient
from clinic_app.sync.errors import HubRefusedError


def exchange_accounts(client: HubClient, shared: dict[str, Any]) -> Any:
    """Send this desktop's accounts; the relay's answer holds the unit's, newest kept."""
    root = client.base_url.rsplit("/fhir", 1)[0]
    response = client.request("POST", f"{root}/unit/accounts", json_body=shared)
    if response.status_code != 200:
        raise HubRefusedError(f"the relay did not take the accounts (HTTP {response.status_code})")
    return client.json(response)
