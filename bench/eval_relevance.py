"""Measure kb's search relevance on real support articles, against a SQLite FTS5 baseline.

Run from the project root::

    python bench/eval_relevance.py [--engine whoosh|tantivy|all] [--tldr N]
                                   [--queries FILE] [--kind K] [--show-misses]

The corpus (``../shared/corpus`` beside the project) is 232 real Microsoft support articles
(``ms-support/<area>/``) mixed with the tldr pages (``tldr/pages/<platform>/``) as distractors. For
each engine, the script copies them into a fresh temporary KB (``notes/ms/<area>/<file>.md`` and
``notes/tldr/<platform>/<file>.md``), writes ``kb.toml`` with ``[search] engine = "<engine>"``,
times ``kb.reindex()`` and runs every query of the development set through ``kb.search``
(``limit=10, refresh=False``), using kb's public API only.

The baseline is a SQLite FTS5 table ``docs(title, body)`` (``porter unicode61``) built in the same
run over the same documents, ranked by ``bm25(docs, 10.0, 1.0)``. A query becomes an FTS5 MATCH
expression by quoting each ``\\w+`` token and joining them with ``OR``.

Metrics, overall and per query kind (see ``bench/relevance/README.md``): MRR@10 and recall@1/5/10
over the queries that have relevant articles; for the "none" queries, how often a system
correctly abstained (no hits, or for kb ``Results.weak``); for answerable queries, how often kb
flagged its results weak (false abstain). Build times and mean query latency are printed too.

When ``../shared/corpus`` is absent the script says so and exits with status 0.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = Path(os.environ.get("KB_CORPUS") or HERE.parent.parent / "shared" / "corpus")
DEFAULT_QUERIES = HERE / "relevance" / "queries.jsonl"
#: Written before any run, never tuned on: the check that a change is general.
HELDOUT_QUERIES = HERE / "relevance" / "heldout.jsonl"
KINDS = ("paraphrase", "code", "typo", "none")
ENGINES = ("whoosh", "tantivy")
#: Where the support articles go inside the temporary KB (hit paths start with this).
MS_PREFIX = "notes/ms/"
TLDR_PREFIX = "notes/tldr/"
LIMIT = 10
#: Seed for choosing which tldr pages to keep with ``--tldr N`` (the same N gives the same pages).
TLDR_SEED = 0
WORD = re.compile(r"\w+")


# -- data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One line of the development set."""

    query: str
    relevant: tuple[str, ...]
    kind: str


@dataclass(frozen=True)
class Doc:
    """One Markdown file of the test corpus and where it goes in the KB."""

    source: Path
    #: Path relative to the KB root, e.g. ``notes/ms/outlook/x.md``.
    rel: str


@dataclass
class Outcome:
    """What one system returned for one query."""

    #: Paths relative to ms-support (``<area>/<file>.md``) or ``notes/tldr/...`` for distractors.
    paths: list[str]
    titles: list[str]
    seconds: float
    weak: bool = False


@dataclass
class SystemRun:
    """One system's results over the whole query set."""

    label: str
    build_seconds: float
    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: With ``--incremental``: the outcomes again after ``kb.reindex(rebuild=True)``.
    rebuilt: list[Outcome] | None = None


def load_queries(path: Path) -> list[Query]:
    """Read and check a JSONL development set (one ``{"query", "relevant", "kind"}`` per line)."""
    queries: list[Query] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        data = json.loads(line)
        kind = data.get("kind")
        if kind not in KINDS:
            raise ValueError(f"{path}:{number}: kind {kind!r} is not one of {', '.join(KINDS)}")
        relevant = tuple(data.get("relevant") or ())
        if (kind == "none") != (not relevant):
            raise ValueError(f"{path}:{number}: 'none' queries, and only they, have no relevant")
        queries.append(Query(str(data["query"]), relevant, kind))
    return queries


def collect_docs(corpus: Path, tldr_limit: int | None) -> tuple[list[Doc], list[Doc]]:
    """The ms-support articles and the tldr pages (all, or ``tldr_limit`` chosen by a seed)."""
    ms_root = corpus / "ms-support"
    ms = [
        Doc(path, MS_PREFIX + path.relative_to(ms_root).as_posix())
        for path in sorted(ms_root.glob("*/*.md"))
        if not path.name.startswith(".")
    ]
    pages_root = corpus / "tldr" / "pages"
    pages = [
        path
        for path in sorted(pages_root.rglob("*.md"))
        if not any(part.startswith(".") for part in path.relative_to(pages_root).parts)
    ]
    if tldr_limit is not None and tldr_limit < len(pages):
        pages = sorted(random.Random(TLDR_SEED).sample(pages, tldr_limit))
    tldr = [Doc(path, TLDR_PREFIX + path.relative_to(pages_root).as_posix()) for path in pages]
    return ms, tldr


def read_text(path: Path) -> str:
    """A file's text (bytes that are not UTF-8 are replaced)."""
    return path.read_bytes().decode("utf-8", errors="replace")


def ms_path(rel: str) -> str:
    """A KB-relative hit path as the query set names it (``<area>/<file>.md``) when it can."""
    return rel[len(MS_PREFIX) :] if rel.startswith(MS_PREFIX) else rel


# -- the FTS5 baseline --------------------------------------------------------------------------


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """YAML front matter (``{}`` if none or unreadable) and the text after it."""
    if text.startswith("\ufeff"):
        text = text[1:]
    match = re.match(r"---[ \t]*\r?\n(.*?)^---[ \t]*(?:\r?\n|\Z)", text, re.DOTALL | re.MULTILINE)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        data = None
    return (data if isinstance(data, dict) else {}), text[match.end() :]


def doc_title(meta: dict[str, Any], body: str, path: Path) -> str:
    """Front matter title, else the first ``# `` heading, else the file name."""
    title = meta.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    for line in body.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem


def fts_expression(query: str) -> str:
    """Any text as a valid FTS5 MATCH expression: each word token quoted, joined with OR."""
    return " OR ".join(f'"{token}"' for token in WORD.findall(query))


class Fts5Baseline:
    """SQLite FTS5 over title and body, title weighted 10x in bm25."""

    def __init__(self, folder: Path, docs: Sequence[Doc]) -> None:
        self.db = sqlite3.connect(folder / "fts5.sqlite")
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter unicode61')"
        )
        self.paths: dict[int, str] = {}
        self.titles: dict[int, str] = {}
        with self.db:
            for rowid, doc in enumerate(docs, start=1):
                meta, body = split_front_matter(read_text(doc.source))
                title = doc_title(meta, body, doc.source)
                self.db.execute(
                    "INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)", (rowid, title, body)
                )
                self.paths[rowid] = ms_path(doc.rel)
                self.titles[rowid] = title

    def search(self, query: str) -> Outcome:
        """The top hits for ``query`` and how long the search took."""
        start = time.perf_counter()
        expression = fts_expression(query)
        rows: list[tuple[int]] = []
        if expression:
            rows = self.db.execute(
                "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 10.0, 1.0) LIMIT ?",
                (expression, LIMIT),
            ).fetchall()
        seconds = time.perf_counter() - start
        return Outcome([self.paths[r] for (r,) in rows], [self.titles[r] for (r,) in rows], seconds)

    def close(self) -> None:
        """Close the database."""
        self.db.close()


def run_fts5(folder: Path, docs: Sequence[Doc], queries: Sequence[Query]) -> SystemRun:
    """Build the baseline index and run every query through it."""
    start = time.perf_counter()
    baseline = Fts5Baseline(folder, docs)
    run = SystemRun("FTS5", time.perf_counter() - start)
    try:
        baseline.search("warm up")
        run.outcomes = [baseline.search(q.query) for q in queries]
    finally:
        baseline.close()
    return run


# -- kb -----------------------------------------------------------------------------------------


def copy_docs(folder: Path, docs: Sequence[Doc]) -> None:
    """Copy ``docs`` into the KB in ``folder``."""
    for doc in docs:
        target = folder / doc.rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(doc.source, target)


def make_kb(folder: Path, docs: Sequence[Doc], engine: str) -> None:
    """A KB folder holding copies of ``docs`` and a kb.toml selecting ``engine``."""
    copy_docs(folder, docs)
    (folder / "kb.toml").write_text(f'[search]\nengine = "{engine}"\n', encoding="utf-8")


def run_kb(
    folder: Path, engine: str, queries: Sequence[Query], late: Sequence[Doc] = ()
) -> SystemRun:
    """Index the KB in ``folder`` with kb and run every query through ``kb.search``.

    With ``late`` documents, these are copied in only after a first index and added by an
    incremental update (the run's build time covers both)."""
    from kb import KnowledgeBase

    kb = KnowledgeBase.open(folder)
    try:
        start = time.perf_counter()
        report = kb.reindex()
        if late:
            copy_docs(folder, late)
            more = kb.reindex()
            report.added.extend(more.added)
            report.changed.extend(more.changed)
        build = time.perf_counter() - start
        used = _engine_name(kb)
        label = f"kb ({engine})" if used in (None, engine) else f"kb ({engine}->{used})"
        run = SystemRun(label, build)
        if used is not None and used != engine:
            run.notes.append(f"asked for engine {engine!r}, kb used {used!r}")
        indexed = len(report.added) + len(report.changed) + report.unchanged
        run.notes.append(f"indexed {indexed} documents, {len(report.problems)} problems")
        run.notes.extend(f"  problem: {problem}" for problem in report.problems[:5])
        run.outcomes = search_all(kb, queries)
        if late:
            kb.reindex(rebuild=True)
            run.rebuilt = search_all(kb, queries)
        return run
    finally:
        kb.close()


def search_all(kb: Any, queries: Sequence[Query]) -> list[Outcome]:
    """Every query through ``kb.search`` (after one warm-up query)."""
    kb.search("warm up", limit=LIMIT, refresh=False)
    outcomes = []
    for q in queries:
        t0 = time.perf_counter()
        hits = kb.search(q.query, limit=LIMIT, refresh=False)
        seconds = time.perf_counter() - t0
        outcomes.append(
            Outcome(
                [ms_path(hit.path) for hit in hits],
                [hit.title for hit in hits],
                seconds,
                weak=bool(hits.weak),
            )
        )
    return outcomes


def _engine_name(kb: Any) -> str | None:
    """The engine kb actually chose, when its index says so (not part of kb's public API)."""
    factory = getattr(getattr(kb, "index", None), "factory", None)
    name = getattr(factory, "name", None)
    return name if isinstance(name, str) else None


# -- metrics ------------------------------------------------------------------------------------


def first_rank(outcome: Outcome, relevant: Sequence[str]) -> int | None:
    """1-based rank of the first relevant hit, or None when none is in the results."""
    for rank, path in enumerate(outcome.paths, start=1):
        if path in relevant:
            return rank
    return None


def recall_at(outcome: Outcome, relevant: Sequence[str], k: int) -> float:
    """Share of the relevant articles found in the top ``k``."""
    return len(set(outcome.paths[:k]) & set(relevant)) / len(relevant)


def abstained(outcome: Outcome) -> bool:
    """True when the system said it has no answer: no hits, or kb flagged them weak."""
    return not outcome.paths or outcome.weak


@dataclass
class Scores:
    """Averages over a group of queries."""

    n: int
    mrr: float = 0.0
    r1: float = 0.0
    r5: float = 0.0
    r10: float = 0.0
    #: Share of the group where the system abstained.
    abstain: float = 0.0
    abstain_count: int = 0


def score(run: SystemRun, queries: Sequence[Query], keep: Callable[[Query], bool]) -> Scores:
    """Scores of ``run`` over the queries ``keep`` selects."""
    pairs = [(q, o) for q, o in zip(queries, run.outcomes, strict=True) if keep(q)]
    scores = Scores(len(pairs))
    if not pairs:
        return scores
    answerable = [(q, o) for q, o in pairs if q.relevant]
    if answerable:
        ranks = [first_rank(o, q.relevant) for q, o in answerable]
        scores.mrr = statistics.fmean(1 / r if r else 0.0 for r in ranks)
        scores.r1 = statistics.fmean(recall_at(o, q.relevant, 1) for q, o in answerable)
        scores.r5 = statistics.fmean(recall_at(o, q.relevant, 5) for q, o in answerable)
        scores.r10 = statistics.fmean(recall_at(o, q.relevant, 10) for q, o in answerable)
    scores.abstain_count = sum(abstained(o) for _, o in pairs)
    scores.abstain = scores.abstain_count / len(pairs)
    return scores


# -- report -------------------------------------------------------------------------------------


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def print_tables(runs: Sequence[SystemRun], queries: Sequence[Query]) -> None:
    """The relevance table, the abstain figures, build times and latency."""
    width = max(len(run.label) for run in runs)
    baseline = next(run for run in runs if run.label == "FTS5")
    if any(q.relevant for q in queries):
        print_relevance(runs, baseline, queries, width)
    none = [q for q in queries if q.kind == "none"]
    if none:
        print(f"\n'none' queries ({len(none)}): correctly abstained")
        for run in runs:
            s = score(run, queries, lambda q: q.kind == "none")
            pairs = [o for q, o in zip(queries, run.outcomes, strict=True) if q.kind == "none"]
            empty = sum(not o.paths for o in pairs)
            how = f"(no hits {empty}, weak {s.abstain_count - empty})"
            if run is baseline:
                how = "(no hits; FTS5 has no weak flag)"
            print(f"  {run.label:<{width}}  {s.abstain_count:>3}/{s.n} = {s.abstain:6.1%}  {how}")
    print("\nBuild and query time")
    for run in runs:
        latencies = [o.seconds * 1000 for o in run.outcomes]
        mean = statistics.fmean(latencies) if latencies else 0.0
        p95 = _percentile(latencies, 95)
        print(
            f"  {run.label:<{width}}  build {run.build_seconds:8.2f} s   "
            f"query mean {mean:7.2f} ms   p95 {p95:7.2f} ms"
        )


def print_relevance(
    runs: Sequence[SystemRun], baseline: SystemRun, queries: Sequence[Query], width: int
) -> None:
    """MRR and recall per query kind for every system, and kb's MRR relative to FTS5."""
    groups: list[tuple[str, Callable[[Query], bool]]] = [("answerable", lambda q: bool(q.relevant))]
    groups += [(kind, lambda q, k=kind: q.kind == k) for kind in KINDS if kind != "none"]
    header = f"{'kind':<11} {'n':>4}  {'system':<{width}}  MRR@10   R@1    R@5    R@10   weak"
    print(header)
    print("-" * len(header))
    ratios: dict[str, list[str]] = {run.label: [] for run in runs if run is not baseline}
    for name, keep in groups:
        base = score(baseline, queries, keep)
        if not base.n:
            continue
        for i, run in enumerate(runs):
            s = score(run, queries, keep)
            lead = f"{name:<11} {s.n:>4}" if i == 0 else " " * 16
            mark = "*" if run is baseline else " "
            print(
                f"{lead}  {run.label:<{width}}  {s.mrr:6.3f}  {s.r1:5.3f}  {s.r5:5.3f}  "
                f"{s.r10:5.3f}  {s.abstain:6.1%}{mark}"
            )
            if run is not baseline:
                ratios[run.label].append(f"{name} {_ratio(s.mrr, base.mrr)}")
    print("weak = answerable queries the system abstained on (kb: Results.weak or no hits;")
    print("       * FTS5: no hits at all). R@k = share of the relevant articles in the top k.")
    for label, parts in ratios.items():
        print(f"\n{label} MRR / FTS5 MRR: " + ", ".join(parts))


def _percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def print_misses(run: SystemRun, baseline: SystemRun, queries: Sequence[Query]) -> None:
    """Answerable queries where kb's first relevant hit is not at rank 1."""
    print(f"\nMisses of {run.label} (first relevant hit not at rank 1)")
    count = 0
    for q, mine, base in zip(queries, run.outcomes, baseline.outcomes, strict=True):
        if not q.relevant:
            continue
        rank = first_rank(mine, q.relevant)
        if rank == 1:
            continue
        count += 1
        base_rank = first_rank(base, q.relevant)
        where = f"rank {rank}" if rank else "not in top 10"
        print(
            f"\n  [{q.kind}] {q.query!r}: kb {where}, "
            f"FTS5 {'rank ' + str(base_rank) if base_rank else 'not in top 10'}"
            + ("  (weak)" if mine.weak else "")
        )
        for path in q.relevant:
            print(f"      expected  {path}")
        for i, (path, title) in enumerate(zip(mine.paths[:3], mine.titles[:3], strict=True), 1):
            print(f"      kb #{i}     {title}  [{path}]")
        if not mine.paths:
            print("      kb        (no hits)")
    print(f"\n  {count} misses")


def _slice(run: SystemRun, part: slice) -> SystemRun:
    rebuilt = run.rebuilt[part] if run.rebuilt is not None else None
    return SystemRun(run.label, run.build_seconds, run.outcomes[part], run.notes, rebuilt)


def print_agreement(runs: Sequence[SystemRun], queries: Sequence[Query]) -> None:
    """Whether the engines give the same order, and an incremental index the order of a
    rebuilt one, over every query."""
    n = len(queries)
    print(f"\nSame order ({n} queries): top 1, top 3, top 10 identical (paths in order)")
    for first, second in itertools.pairwise(runs):
        counts = agreement(first.outcomes, second.outcomes)
        print(f"  {first.label} vs {second.label}: " + ", ".join(f"{c}/{n}" for c in counts))
    for run in runs:
        if run.rebuilt is not None:
            counts = agreement(run.outcomes, run.rebuilt)
            print(f"  {run.label} incremental vs rebuilt: " + ", ".join(f"{c}/{n}" for c in counts))


def agreement(first: Sequence[Outcome], second: Sequence[Outcome]) -> tuple[int, int, int]:
    """How many queries have the same top 1, top 3 and top 10, in order."""
    return tuple(  # type: ignore[return-value]
        sum(a.paths[:k] == b.paths[:k] for a, b in zip(first, second, strict=True))
        for k in (1, 3, 10)
    )


# -- main ---------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--engine", choices=(*ENGINES, "all"), default="whoosh")
    parser.add_argument(
        "--tldr", type=int, default=None, metavar="N", help="use N tldr pages (default: all)"
    )
    parser.add_argument(
        "--queries",
        type=Path,
        action="append",
        metavar="FILE",
        help="a query set (repeatable; default: the development and the held-out sets)",
    )
    parser.add_argument(
        "--incremental",
        action="store_true",
        help="index a tenth of the pages by an incremental update, then compare with a rebuild",
    )
    parser.add_argument("--kind", choices=KINDS, default=None, help="only queries of this kind")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument(
        "--dump", type=Path, metavar="FILE", help="write every system's hits per query (JSON)"
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.tldr is not None and args.tldr < 0:
        parser.error("--tldr must be 0 or more")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation; 0 on success (or when the corpus is absent), 1 if an engine failed."""
    args = parse_args(argv)
    if not (args.corpus / "ms-support").is_dir():
        print(f"skipped: the test corpus is not at {args.corpus}")
        return 0
    files = args.queries or [DEFAULT_QUERIES, HELDOUT_QUERIES]
    sets = {path: load_queries(path) for path in files}
    if args.kind:
        sets = {path: [q for q in qs if q.kind == args.kind] for path, qs in sets.items()}
    queries = [q for qs in sets.values() for q in qs]
    if not queries:
        print("no queries to run")
        return 0
    ms, tldr = collect_docs(args.corpus, args.tldr)
    docs = [*ms, *tldr]
    known = {ms_path(doc.rel) for doc in ms}
    unknown = sorted({p for q in queries for p in q.relevant} - known)
    if unknown:
        print(f"error: the query set names articles that are not in the corpus: {unknown}")
        return 1
    for path, qs in sets.items():
        counts = {kind: sum(q.kind == kind for q in qs) for kind in KINDS}
        print(
            f"{len(qs)} queries ("
            + ", ".join(f"{kind} {n}" for kind, n in counts.items() if n)
            + f") from {path}"
        )
    print(f"corpus: {len(ms)} ms-support articles + {len(tldr)} tldr pages\n")

    engines = list(ENGINES) if args.engine == "all" else [args.engine]
    failed = False
    runs: list[SystemRun] = []
    work = Path(tempfile.mkdtemp(prefix="kb-relevance-"))
    try:
        fts_folder = work / "fts5"
        fts_folder.mkdir()
        baseline = run_fts5(fts_folder, docs, queries)
        for engine in engines:
            folder = work / f"kb-{engine}"
            folder.mkdir()
            late = docs[::10] if args.incremental else []
            first = [doc for i, doc in enumerate(docs) if not (args.incremental and i % 10 == 0)]
            make_kb(folder, first, engine)
            try:
                run = run_kb(folder, engine, queries, late)
            except Exception as exc:  # report any engine failure and go on
                failed = True
                print(f"kb ({engine}) failed: {type(exc).__name__}: {exc}\n")
                continue
            for note in run.notes:
                print(f"{run.label}: {note}")
            runs.append(run)
        start = 0
        for path, qs in sets.items():
            part = slice(start, start + len(qs))
            start += len(qs)
            sliced = [_slice(run, part) for run in [*runs, baseline]]
            print(f"\n== {path.name} ==\n")
            print_tables(sliced, qs)
            if args.show_misses:
                for run in sliced[:-1]:
                    print_misses(run, sliced[-1], qs)
        print_agreement(runs, queries)
        if args.dump:
            dump = {
                run.label: [
                    {"query": q.query, "paths": o.paths}
                    for q, o in zip(queries, run.outcomes, strict=True)
                ]
                for run in [*runs, baseline]
            }
            args.dump.write_text(json.dumps(dump, indent=1), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
