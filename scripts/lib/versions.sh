# shellcheck shell=bash
# The one place that names the Home Assistant releases we run. Raising one is one edit here.
#
# current  the unit tests and benchmarks run on the newest test plugin, which brings the Home
#          Assistant release it was generated from (0.13.375: 2026.10.4); the demo and the browser
#          test run the newest Home Assistant itself. Both need Python >= 3.14.2, which comes from
#          Debian forky in a root of its own (scripts/lib/forky.sh).
# oldest   the oldest Home Assistant we claim (hacs.json, README), through its test plugin
#          (0.13.236: 2025.4.4), on the host's Python 3.13.
CURRENT_PHACC_VERSION="0.13.375"
CURRENT_HA_VERSION="2026.11.0"
OLDEST_PHACC_VERSION="0.13.236"
OLDEST_PYTHON_MINOR="3.13"
