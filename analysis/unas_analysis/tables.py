"""The paper's Table 2 (Pareto-optimal models per task against baselines) and Table 4 (sparse
models against SpArSe), as rows of dicts, with Markdown and LaTeX writers."""
from __future__ import annotations

import pandas as pd

from . import baselines
from .pareto import pareto_mask
from .results import Experiment, exported, retrained_accuracy

# "Retrained test acc. %" comes after the resource columns rather than right beside "Accuracy %":
# readers of table2.md/table4.md (tests/analysis/test_report.py among them) find the accuracy and
# resource figures by position, and those positions stay as they were.
RETRAINED = "Retrained test acc. %"
INT8 = "Int8 test acc. %"
COLUMNS = ["Task", "Model", "Accuracy %", "MS B", "RAM B", "MACs", RETRAINED, INT8, "Steps", "Compute h", "Difference"]
SPARSE_COLUMNS = ["Task", "Model", "Accuracy %", "MS B", RETRAINED, INT8, "Steps", "Difference"]
NO_RETRAINING = "–"  # a found model `unas retrain` has not retrained (baseline rows leave the cell empty)
NOT_EXPORTED = "–"  # a found model `unas export` has not exported

_ACCURACY_NOTE = (
    "Accuracy % and Difference use the search-time validation accuracy of the found model{what}: 1 − val_error as the "
    "search recorded it. A candidate that inherited its parent's weights trained a shortened schedule, so search-time "
    "errors are not comparable to full training, nor always to each other. " + RETRAINED + " is the test accuracy after "
    "`unas retrain` trained the model again from scratch with the experiment's full schedule: mean ± sample standard "
    "deviation over the seeds that finished (n), failed seeds counted apart; " + NO_RETRAINING + ": not retrained. "
    "Baseline rows show the accuracies their papers report. " + INT8 + " is the test accuracy of the model `unas export` "
    "quantised to int8 and built as C for the host, with its stored float weights' accuracy on the same examples in "
    "brackets; " + NOT_EXPORTED + ": not exported.")
NOTE = _ACCURACY_NOTE.format(what="")
SPARSE_NOTE = _ACCURACY_NOTE.format(what=" (the best seen after pruning ended)")


def front(e: Experiment, frame: pd.DataFrame) -> pd.DataFrame:
    """The Pareto-optimal rows of `frame` over the experiment's bounded objectives."""
    if frame.empty:
        return frame
    return frame[pareto_mask(frame[e.bounded].to_numpy())]


def picks(e: Experiment) -> list[tuple[str, pd.Series]]:
    """As the paper picks: on the front of the models within every bound, the most accurate and
    the smallest one; without any model within bounds, the most accurate on the whole front."""
    ok = e.ok
    within = ok[e.within_bounds(ok)]
    if within.empty:
        f = front(e, ok)
        return [("most accurate (over bounds)", f.loc[f["error"].idxmin()])] if not f.empty else []
    f = front(e, within)
    best, smallest = f.loc[f["error"].idxmin()], f.loc[f["model_size"].idxmin()]
    out = [("most accurate", best)]
    if smallest["id"] != best["id"]:
        out.append(("smallest", smallest))
    return out


def _difference(accuracy: float, size: float, baseline_accuracy: float, baseline_size: float) -> str:
    ratio = baseline_size / size
    sized = f"MS x{ratio:.2f} smaller" if ratio >= 1 else f"MS x{1 / ratio:.2f} larger"
    return f"{accuracy - baseline_accuracy:+.2f} pp, {sized}"


def retrained_cell(summary, ident: int) -> str:
    """The Retrained column's text for candidate `ident`, from retrained_accuracy(): "mean ± std
    (n=k)" over the k ok seeds, with failed seeds named, so one lucky seed is never shown as if
    it were several."""
    if ident not in summary.index:
        return NO_RETRAINING
    r = summary.loc[ident]
    ok, failed = int(r["ok"]), int(r["seeds"]) - int(r["ok"])
    if ok == 0:
        return f"all {failed} seeds failed"
    count = f"n={ok}" + (f", {failed} failed" if failed else "")
    spread = f" ± {r['std']:.2f}" if ok > 1 else ""
    return f"{r['mean']:.2f}{spread} ({count})"


def int8_cell(summary, ident: int) -> str:
    """The Int8 column's text for candidate `ident`, from exported(): "int8 (float f)"."""
    if ident not in summary.index:
        return NOT_EXPORTED
    r = summary.loc[ident]
    return f"{r['int8']:.2f} (float {r['float']:.2f})"


def _reference(rows):
    """The first baseline that is not the paper's own µNAS row, else the first row."""
    return next((r for r in rows if not r[0].startswith("µNAS")), rows[0])


def table2(experiments: list[Experiment]) -> tuple[list[dict], list[str]]:
    rows, missing = [], []
    for task, baseline_rows in baselines.TABLE2.items():
        mine = [e for e in experiments if e.task == task and e.pruning != "unstructured"]
        ref = _reference(baseline_rows)
        if not mine:
            missing.append(task)
        for e in mine:
            steps = len(e.candidates)
            hours = e.candidates["train_seconds"].sum() / 3600
            retrained, int8 = retrained_accuracy(e), exported(e)
            for how, r in picks(e):
                accuracy = 100 * (1 - r["error"])
                rows.append({"Task": task, "Model": f"unas {e.label} #{int(r['id'])} ({how})", "Accuracy %": f"{accuracy:.2f}",
                             "MS B": int(r["model_size"]), "RAM B": int(r["pmu"]), "MACs": int(r["macs"]),
                             RETRAINED: retrained_cell(retrained, int(r["id"])), INT8: int8_cell(int8, int(r["id"])),
                             "Steps": steps,
                             "Compute h": f"{hours:.2f}",
                             "Difference": _difference(accuracy, r["model_size"], ref[1], ref[2]) + f" vs {ref[0]}"})
        for name, accuracy, size, ram, macs in baseline_rows:
            rows.append({"Task": task, "Model": name, "Accuracy %": f"{accuracy:.2f}", "MS B": size,
                         "RAM B": "" if ram is None else ram, "MACs": "" if macs is None else macs, "Steps": "",
                         "Compute h": "", "Difference": ""})
    return rows, missing


def table4(experiments: list[Experiment]) -> tuple[list[dict], list[str]]:
    rows, missing = [], []
    for task, baseline_rows in baselines.TABLE4.items():
        mine = [e for e in experiments if e.task == task and e.pruning == "unstructured"]
        ref = _reference(baseline_rows)
        if not mine:
            missing.append(task)
        for e in mine:
            ok = e.ok
            bound = e.bounds["model_size"]
            within = ok[ok["model_size"] <= bound] if bound is not None else ok
            if within.empty:
                continue
            r = within.loc[within["error"].idxmin()]
            accuracy = 100 * (1 - r["error"])
            rows.append({"Task": task, "Model": f"unas {e.label} #{int(r['id'])}", "Accuracy %": f"{accuracy:.2f}",
                         "MS B": int(r["model_size"]), RETRAINED: retrained_cell(retrained_accuracy(e), int(r["id"])),
                         INT8: int8_cell(exported(e), int(r["id"])),
                         "Steps": len(e.candidates),
                         "Difference": _difference(accuracy, r["model_size"], ref[1], ref[2]) + f" vs {ref[0]}"})
        for name, accuracy, size in baseline_rows:
            rows.append({"Task": task, "Model": name, "Accuracy %": f"{accuracy:.2f}", "MS B": size, "Steps": "", "Difference": ""})
    return rows, missing


def markdown(rows: list[dict], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _escape(text) -> str:
    return (str(text).replace("%", r"\%").replace("#", r"\#").replace("_", r"\_").replace("µ", r"$\mu$")
            .replace(">=", r"$\geq$").replace("<", r"$<$").replace("±", r"$\pm$").replace("−", "$-$")
            .replace("–", "--").replace("`", ""))


def latex(rows: list[dict], columns: list[str], note: str | None = None) -> str:
    """A booktabs tabular; `note` follows it as a small paragraph, to sit under the tabular in
    whatever table float \\input's it (the caption stays the including document's)."""
    out = [r"\begin{tabular}{" + "l" * len(columns) + "}", r"\toprule", " & ".join(_escape(c) for c in columns) + r" \\", r"\midrule"]
    out += [" & ".join(_escape(r.get(c, "")) for c in columns) + r" \\" for r in rows]
    out += [r"\bottomrule", r"\end{tabular}"]
    if note:
        out += [r"\par\smallskip{\footnotesize " + _escape(note) + r"\par}"]
    return "\n".join(out) + "\n"
