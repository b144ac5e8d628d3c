"""Zoning rules: rule tables (read, validate), loading a rule set, the in-memory rule book."""

from app.services.rules.load import current_rule_set, load_rules, rule_set_unchanged
from app.services.rules.tables import RuleTables, read_rules, rules_folder

__all__ = [
    "RuleTables",
    "current_rule_set",
    "load_rules",
    "read_rules",
    "rule_set_unchanged",
    "rules_folder",
]
