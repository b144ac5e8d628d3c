"""APBD budget projects: import (read, fields, values), place matching and integrity flags."""
