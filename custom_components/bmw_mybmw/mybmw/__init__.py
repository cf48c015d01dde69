"""Async client for the MyBMW cloud API (BMW, MINI and Toyota Supra).

Usable on its own (see ``python -m custom_components.bmw_mybmw.mybmw --help``)
and bundled with the Home Assistant integration. It has no Home Assistant
imports; its public API mirrors the reference library ``bimmer_connected``.
"""

__version__ = "0.1.0"
