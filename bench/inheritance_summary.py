"""Summarises inheritance_bench quality rows: per variant, the validation error gap to the same
child trained from scratch on the full schedule (paired by pair and seed), and the CPU-seconds.
    /usr/bin/python3 bench/inheritance_summary.py ROWS.csv [...]"""
import sys

import pandas as pd


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    scratch = rows[rows.variant == "scratch"].set_index(["pair", "seed"])
    out = []
    for variant, group in rows.groupby("variant", sort=False):
        g = group.set_index(["pair", "seed"])
        gap = g.val_error - scratch.val_error.reindex(g.index)
        out.append({
            "variant": variant,
            "epochs": int(g.epochs.iloc[0]),
            "runs": len(g),
            "val_error_mean": g.val_error.mean(),
            "gap_mean": gap.mean(),
            "gap_sd": gap.std(ddof=1) if variant != "scratch" else 0.0,
            "gap_median": gap.median(),
            "better_or_equal_share": (gap <= 0).mean() if variant != "scratch" else float("nan"),
            "cpu_seconds_mean": g.cpu_seconds.mean(),
            "cpu_share_of_scratch": g.cpu_seconds.sum() / scratch.cpu_seconds.reindex(g.index).sum(),
            "inherited_fraction_mean": g.inherited_fraction.mean(),
        })
    return pd.DataFrame(out).sort_values("epochs", ascending=False)


if __name__ == "__main__":
    rows = pd.concat([pd.read_csv(p) for p in sys.argv[1:]], ignore_index=True)
    parents = rows.drop_duplicates("pair")
    print(f"{rows.pair.nunique()} parent/child pairs, {rows.seed.nunique()} seeds; parents' validation error "
          f"{parents.parent_val_error.mean():.4f} on average")
    print(summarise(rows).to_string(index=False, float_format=lambda x: f"{x:.4f}"))
