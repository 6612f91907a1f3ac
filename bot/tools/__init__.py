"""Maintainer and build commands: `make report`, `make lock`, `make web`."""
