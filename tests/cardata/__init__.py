"""Tests of the BMW CarData client (no Home Assistant)."""
