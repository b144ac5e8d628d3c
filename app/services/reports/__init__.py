"""Printable reports: the A4 'Informasi Tata Ruang' sheet of a zoning check (PDF)."""
