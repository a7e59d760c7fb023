"""The scheme's pages (filled in below)."""
