"""Results of the side-by-side benches: one dict per (server, clients, round)
cell, and the ratios their tables show."""

import statistics

# issue 15: after a change, no row of a bench more than 5 % slower than the
# commit before it, measured in the same run (--eider-baseline).
BEFORE_TARGET = 0.95


def median_of(cells, server, clients, key):
    """The median of `key` over the rounds of one server at one client count, or None."""
    values = [c[key] for c in cells
              if c["server"] == server and c["clients"] == clients and key in c]
    return statistics.median(values) if values else None


def comparisons(names, target):
    """[(server, other, target or None)]: eider against every other server
    of the run, as "server/other" speed ratios. `target` is the bench's own
    for eider/dovecot; eider/eider-before must reach BEFORE_TARGET; the
    stock Dovecot is shown for reference only."""
    pairs = [("eider", "dovecot", target), ("eider", "dovecot-stock", None),
             ("eider", "eider-before", BEFORE_TARGET)]
    return [p for p in pairs if p[0] in names and p[1] in names]


def comparison_head(pairs):
    """Markdown header cells of the ratio columns."""
    return "".join(f" {a}/{b}" + (f" (target {t:g}x)" if t else "") + " |"
                   for a, b, t in pairs)


def ratio_cell(ratio, target):
    """One ratio column's cell: the ratio, and whether it meets its target."""
    if target is None:
        return f" {ratio:.2f} |"
    return f" {ratio:.2f} {'met' if ratio >= target else 'NOT met'} |"
