"""The Claimtrace benchmark: ``python -m bench --claims N`` (see bench/README.md)."""
