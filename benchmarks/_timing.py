"""What the benchmark scripts share: timing contenders fairly.

Example:
    >>> best = race({"sum": (sum, range(10))}, repeat=2)
    >>> best["sum"][1]
    45
"""

from __future__ import annotations

import time


def race(contenders: dict, repeat: int) -> dict[str, tuple[float, object]]:
    """Best time and result of each ``name: (function, argument)``, after one untimed warm-up
    run each; runs are interleaved so that load from other processes hits every contender
    alike."""
    best = {
        name: (float("inf"), function(argument))
        for name, (function, argument) in contenders.items()
    }
    for _ in range(repeat):
        for name, (function, argument) in contenders.items():
            start = time.perf_counter()
            result = function(argument)
            best[name] = (min(best[name][0], time.perf_counter() - start), result)
    return best
