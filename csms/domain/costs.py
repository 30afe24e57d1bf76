"""Cost updates (OCPP 2.0.1 block I, I02/I04): the neutral command telling a charging station the
running total cost of a transaction. 1.6 has no such message. No I/O."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CostUpdated:
    transaction_id: int                 # ours
    total_fen: int                      # the total cost so far, integer fen
    ocpp_tx_id: str | None = None       # the station's transactionId, filled in from the stored transaction
