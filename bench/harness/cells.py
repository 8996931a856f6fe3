"""Results of the side-by-side benches: one dict per (server, clients, round) cell."""

import statistics


def median_of(cells, server, clients, key):
    """The median of `key` over the rounds of one server at one client count, or None."""
    values = [c[key] for c in cells
              if c["server"] == server and c["clients"] == clients and key in c]
    return statistics.median(values) if values else None
