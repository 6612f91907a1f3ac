"""Rasa input/output channels of the career bot (registered in credentials.yml)."""
