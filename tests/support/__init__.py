"""Helpers for the tests: fakes, servers under test, browser and store readers (no tests here)."""
