"""Profiles of an account: who is watching, with an age limit each (issue 16)."""
