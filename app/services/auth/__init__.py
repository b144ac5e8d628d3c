"""Staff API keys (create, verify, revoke, list), roles and the audit trail of writes."""

from app.services.auth import audit
from app.services.auth.keys import (
    KEY_PREFIX,
    ROLES,
    Principal,
    create_key,
    list_keys,
    revoke,
    verify,
)

__all__ = [
    "KEY_PREFIX",
    "ROLES",
    "Principal",
    "audit",
    "create_key",
    "list_keys",
    "revoke",
    "verify",
]
