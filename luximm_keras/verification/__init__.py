"""Parity against timm: the block cases (shared by the test suite and `luximm-keras verify`) and the
per-backend worker. Importing it needs torch and timm (the oracle); the rest of the package does not."""
