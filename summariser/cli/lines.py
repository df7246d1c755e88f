"""Where `BatchLine` used to live: it is now `summariser.batch.BatchLine`, beside the writer.

Kept so that old imports work; import from `summariser.batch`.
"""

from __future__ import annotations

from summariser.batch import BatchLine, LineError

__all__ = ["BatchLine", "LineError"]
