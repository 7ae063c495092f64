"""Retrieval, NLP and recommenders: ranking metrics, TF-IDF, BM25, BLEU, ROUGE, matrix factorisation.

Every prompt states its conventions (ranks are 1-based, the gain and discount of DCG, the idf variant,
the n-gram order), so the answer is unambiguous."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from quizapp.content.schema import Tolerance
from quizapp.problems import draw, fmt
from quizapp.problems.model import Diagnosis, Problem
from quizapp.problems.registry import register
from quizapp.wording import plural

MAX_DRAWS = 2000
BAND3 = 0.002  # two answers given to 3 decimals are told apart when they differ by more than this
DEC3 = Tolerance(decimals=3)
Labels = Sequence[int] | np.ndarray  # relevance labels in rank order, rank 1 first
Floats = Sequence[float] | np.ndarray

# ---------------------------------------------------------------------------------------------------------
# Shared helpers: ranked lists, ranking metrics (pure NumPy), text.


def _apart(*values: float, band: float = BAND3) -> bool:
    """True when every pair of `values` differs by more than `band`."""
    v = np.asarray(values, dtype=float)
    return bool(np.all(np.abs(v[:, None] - v[None, :])[np.triu_indices(len(v), 1)] > band))


def _rels(rels: Labels) -> str:
    """A ranked list's relevance labels, rank 1 first."""
    return "[" + ", ".join(str(int(r)) for r in rels) + "]"


def _frac(a: float, b: float) -> str:
    return f"{fmt.num(a)}/{fmt.num(b)}"


def precision_at(rels: Labels, k: int) -> float:
    """Precision@k of binary relevance labels in rank order: relevant in the top k, over k."""
    return float(np.sum(np.asarray(rels[:k]) > 0) / k)


def reciprocal_rank(rels: Labels) -> float:
    """1/rank of the first relevant item (rank 1-based), 0 when none is relevant."""
    hits = np.flatnonzero(np.asarray(rels) > 0)
    return float(1.0 / (hits[0] + 1)) if len(hits) else 0.0


def average_precision(rels: Labels, total_relevant: int) -> float:
    """AP = (1/R) Σ P@k over the ranks k holding a relevant item; R counts unretrieved relevant items too."""
    r = np.asarray(rels) > 0
    ranks = np.flatnonzero(r) + 1
    return float(np.sum(np.cumsum(r)[ranks - 1] / ranks) / total_relevant)


def dcg(gains: Floats, k: int) -> float:
    """Σ_{i=1..k} gain_i / log2(i + 1)."""
    g = np.asarray(gains, dtype=float)[:k]
    return float(np.sum(g / np.log2(np.arange(2, len(g) + 2))))


def gain(rels: Labels, convention: str) -> np.ndarray:
    """The gain of each graded label: `linear` = rel, `exponential` = 2^rel − 1."""
    r = np.asarray(rels, dtype=float)
    if convention == "linear":
        return r
    if convention == "exponential":
        return 2.0**r - 1.0
    raise ValueError(f"gain must be 'linear' or 'exponential', got {convention!r}")


def ndcg(rels: Labels, k: int, convention: str = "linear") -> float:
    """nDCG@k of graded labels in rank order; the ideal ranking re-sorts the same pool (all of `rels`)."""
    ideal = dcg(gain(sorted(rels, reverse=True), convention), k)
    return dcg(gain(rels, convention), k) / ideal


def ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    """The n-grams of a token list with their counts."""
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def modified_precision(candidate: Sequence[str], reference: Sequence[str], n: int) -> tuple[int, int]:
    """BLEU's clipped n-gram matches and the candidate's n-gram total (one reference)."""
    cand, ref = ngrams(candidate, n), ngrams(reference, n)
    return sum(min(c, ref[g]) for g, c in cand.items()), sum(cand.values())


def brevity_penalty(c: int, r: int) -> float:
    """1 when the candidate is longer than the reference, else exp(1 − r/c) (Papineni et al., 2002)."""
    return 1.0 if c > r else float(np.exp(1 - r / c))


def bleu(candidate: Sequence[str], reference: Sequence[str], order: int) -> float:
    """Sentence BLEU-`order` with one reference, uniform weights and no smoothing."""
    logs = []
    for n in range(1, order + 1):
        matched, total = modified_precision(candidate, reference, n)
        if matched == 0:
            return 0.0
        logs.append(np.log(matched / total))
    return brevity_penalty(len(candidate), len(reference)) * float(np.exp(np.mean(logs)))


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence, by dynamic programming."""
    table = np.zeros((len(a) + 1, len(b) + 1), dtype=int)
    for i, x in enumerate(a, start=1):
        for j, y in enumerate(b, start=1):
            table[i, j] = table[i - 1, j - 1] + 1 if x == y else max(table[i - 1, j], table[i, j - 1])
    return int(table[-1, -1])


def _f1(overlap: float, n_candidate: int, n_reference: int) -> tuple[float, float, float]:
    """(precision, recall, F1) of an overlap count."""
    p, r = overlap / n_candidate, overlap / n_reference
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _words(tokens: Sequence[str]) -> str:
    return " ".join(tokens)


def _signed(x: float) -> str:
    """`+ 0.5` or `− 0.5`, to continue a sum."""
    return f"{'−' if x < 0 else '+'} {fmt.num(abs(x))}"


def _minus(x: float) -> str:
    """A number with a true minus sign: −0.39."""
    return fmt.num(x).replace("-", "−")


def _term(x: float) -> str:
    """A number as a factor in a formula: negatives in parentheses with a true minus sign, `(−1.2)`."""
    return fmt.num(x) if x >= 0 else f"(−{fmt.num(-x)})"


def _dot_text(u: Floats, v: Floats) -> str:
    """`0.5·(−1.2) + 0.3·0.4`: the products of a dot product, written out."""
    one = _term
    return " + ".join(f"{one(a)}·{one(b)}" for a, b in zip(u, v, strict=True))


# ---------------------------------------------------------------------------------------------------------
# Ranking metrics.


def _ranked_prompt(rels: Labels, what: str) -> str:
    head = (
        f"A search system returns {len(rels)} documents. Their relevance labels (1 = relevant), rank 1 first:"
    )
    return f"{head}\n  {_rels(rels)}\n{what}"


def _queries_head(size: int, m: int) -> str:
    return f"Relevance labels of the top {size} results for {m} queries (rank 1 first, 1 = relevant):"


@register
def precision_recall_at_k(
    rng: np.random.Generator, n: draw.IntSpec = (8, 10), k: draw.IntSpec = (3, 6)
) -> Problem:
    """Precision@k and recall@k of a ranked list with binary relevance, answered as [P@k, R@k]."""
    size = draw.integer(rng, n)
    for _ in range(MAX_DRAWS):
        kk = draw.integer(rng, k)
        rels = (rng.random(size) < rng.uniform(0.3, 0.6)).astype(int)
        missing = int(rng.integers(0, 4))  # relevant documents the system never returned
        total = int(rels.sum()) + missing
        hits = int(rels[:kk].sum())
        if not (1 <= kk < size and 1 <= hits < kk and total > 0):
            continue
        p, r = precision_at(rels, kk), hits / total
        if _apart(p, r):
            break
    else:
        raise ValueError(f"could not draw a ranked list with n={n}, k={k}")
    retrieved = int(rels.sum())
    answer = [p, r]
    return Problem(
        prompt=_ranked_prompt(
            rels,
            f"The collection holds {total} relevant documents in total.\n"
            f"What are precision@{kk} and recall@{kk}? Answer as [P@{kk}, R@{kk}]. Give 3 decimals.",
        ),
        given={"relevance": rels, "k": kk, "total_relevant": total},
        answer=answer,
        unit="probability",
        tolerance=DEC3,
        solution=(
            f"The top {kk}: {_rels(rels[:kk])} hold {hits} relevant document(s).\n"
            f"P@{kk} = relevant in top {kk} / {kk} = {_frac(hits, kk)} = {fmt.fixed(p, 3)}\n"
            f"R@{kk} = relevant in top {kk} / all relevant = {_frac(hits, total)} = {fmt.fixed(r, 3)}"
        ),
        diagnoses=(
            Diagnosis([r, p], f"that is [R@{kk}, P@{kk}]: the order asked is [P@{kk}, R@{kk}]"),
            Diagnosis(
                [p, hits / retrieved],
                f"recall divides by all {total} relevant documents in the collection, "
                f"not only the {retrieved} the system returned",
            ),
            Diagnosis(
                [hits / size, r], f"precision@{kk} divides by k = {kk}, not by the {size} documents returned"
            ),
        ),
    )


@register
def mrr(rng: np.random.Generator, queries: draw.IntSpec = (3, 5), depth: draw.IntSpec = 6) -> Problem:
    """Mean reciprocal rank over a few queries (a query with no relevant result scores 0)."""
    m, d = draw.integer(rng, queries), draw.integer(rng, depth)
    if m < 2 or d < 2:
        raise ValueError("need at least 2 queries and depth 2")
    for _ in range(MAX_DRAWS):
        lists = (rng.random((m, d)) < rng.uniform(0.15, 0.45)).astype(int)
        rr = np.array([reciprocal_rank(row) for row in lists])
        firsts = [int(np.flatnonzero(row)[0]) + 1 for row in lists if row.any()]
        if len(firsts) < 2 or len(set(firsts)) < 2:
            continue
        value = float(rr.mean())
        if _apart(value, float(rr[rr > 0].mean()), 1 / float(np.mean(firsts))):
            break
    else:
        raise ValueError(f"could not draw queries with queries={queries}, depth={depth}")
    table = "\n".join(f"  query {i + 1}: {_rels(row)}" for i, row in enumerate(lists))
    steps = "\n".join(
        f"  query {i + 1}: "
        + (
            f"first relevant at rank {int(np.flatnonzero(row)[0]) + 1}, RR = {fmt.num(x)}"
            if row.any()
            else "no relevant result, RR = 0"
        )
        for i, (row, x) in enumerate(zip(lists, rr, strict=True))
    )
    return Problem(
        prompt=(
            f"{_queries_head(d, m)}\n{table}\n"
            "What is the mean reciprocal rank (MRR)? A query with no relevant result counts 0.\n"
            "Give 3 decimals."
        ),
        given={"relevance": lists},
        answer=value,
        unit="probability",
        tolerance=DEC3,
        solution=(
            "RR = 1/rank of the first relevant result (ranks start at 1); MRR averages RR over all queries.\n"
            f"{steps}\nMRR = ({' + '.join(fmt.num(x) for x in rr)}) / {m} = {fmt.fixed(value, 3)}"
        ),
        diagnoses=(
            Diagnosis(
                float(rr[rr > 0].mean()),
                "you averaged only over queries with a hit; a query with no relevant result counts 0",
            ),
            Diagnosis(
                1 / float(np.mean(firsts)), "that is 1/(mean rank); MRR is the mean of the reciprocals"
            ),
        ),
    )


@register
def ndcg_at_k(
    rng: np.random.Generator,
    n: draw.IntSpec = (5, 7),
    k: draw.IntSpec = (3, 5),
    gain_type: str | Sequence[str] = ("linear", "exponential"),
) -> Problem:
    """nDCG@k with graded relevance 0–3, gain rel or 2^rel − 1, discount log2(i + 1)."""
    size = draw.integer(rng, n)
    convention = str(draw.one_of(rng, gain_type))
    other = "exponential" if convention == "linear" else "linear"
    for _ in range(MAX_DRAWS):
        kk = draw.integer(rng, k)
        rels = rng.integers(0, 4, size=size)
        if kk >= size or rels[:kk].sum() == 0:
            continue
        value = ndcg(rels, kk, convention)
        local = dcg(gain(rels, convention), kk) / dcg(gain(sorted(rels[:kk], reverse=True), convention), kk)
        if value < 1 and _apart(value, ndcg(rels, kk, other), local):
            break
    else:
        raise ValueError(f"could not draw graded labels with n={n}, k={k}")
    g = gain(rels, convention)
    ideal = np.sort(rels)[::-1]
    g_ideal = gain(ideal, convention)
    d, i_d = dcg(g, kk), dcg(g_ideal, kk)
    formula = "rel_i" if convention == "linear" else "2^rel_i − 1"

    def terms(gains: np.ndarray) -> str:
        return " + ".join(f"{fmt.num(x)}/log2({i + 2})" for i, x in enumerate(gains[:kk]))

    return Problem(
        prompt=(
            f"A ranker orders {size} candidate documents; their graded relevance (0–3), rank 1 first:\n"
            f"  {_rels(rels)}\n"
            f"These {size} are the whole candidate pool. Using gain = {formula} and discount log2(i + 1) "
            f"for rank i (1-based),\nwhat is nDCG@{kk}? Give 3 decimals."
        ),
        given={"relevance": rels, "k": kk, "gain": convention},
        answer=value,
        unit="probability",
        tolerance=DEC3,
        solution=(
            f"Gains ({formula}) in ranked order: {fmt.vec(g)}\n"
            f"DCG@{kk} = {terms(g)} = {fmt.num(d)}\n"
            f"Ideal order of the pool: {_rels(ideal)}, gains {fmt.vec(g_ideal)}\n"
            f"IDCG@{kk} = {terms(g_ideal)} = {fmt.num(i_d)}\n"
            f"nDCG@{kk} = {fmt.num(d)} / {fmt.num(i_d)} = {fmt.fixed(value, 3)}"
        ),
        diagnoses=(
            Diagnosis(d, f"that is DCG@{kk}; divide by the ideal DCG@{kk} to normalise"),
            Diagnosis(
                ndcg(rels, kk, other), f"that uses the other gain; this question uses gain = {formula}"
            ),
            Diagnosis(
                local,
                f"your ideal ranking re-sorted only the top {kk}; the ideal re-sorts the whole pool",
            ),
        ),
    )


@register
def mean_average_precision(
    rng: np.random.Generator, queries: draw.IntSpec = (2, 3), n: draw.IntSpec = (6, 8)
) -> Problem:
    """MAP over a few queries; AP divides by all relevant documents, retrieved or not."""
    m, size = draw.integer(rng, queries), draw.integer(rng, n)
    for _ in range(MAX_DRAWS):
        lists = (rng.random((m, size)) < rng.uniform(0.25, 0.5)).astype(int)
        if not np.all(lists.sum(axis=1) >= 1):
            continue
        totals = lists.sum(axis=1) + rng.integers(0, 3, size=m)
        aps = np.array([average_precision(row, int(t)) for row, t in zip(lists, totals, strict=True)])
        retrieved_only = np.array([average_precision(row, int(row.sum())) for row in lists])
        p_at_n = lists.mean(axis=1)
        value = float(aps.mean())
        if value < 1 and _apart(value, float(retrieved_only.mean()), float(p_at_n.mean())):
            break
    else:
        raise ValueError(f"could not draw ranked lists with queries={queries}, n={n}")
    table = "\n".join(
        f"  query {i + 1}: {_rels(row)}   ({int(t)} relevant in the collection)"
        for i, (row, t) in enumerate(zip(lists, totals, strict=True))
    )

    def ap_line(i: int, row: np.ndarray, total: int, ap: float) -> str:
        ranks = np.flatnonzero(row) + 1
        terms = " + ".join(f"{j}/{rank}" for j, rank in enumerate(ranks, start=1))
        return f"  AP{i + 1} = ({terms}) / {total} = {fmt.num(ap)}"

    lines = "\n".join(
        ap_line(i, row, int(t), ap) for i, (row, t, ap) in enumerate(zip(lists, totals, aps, strict=True))
    )
    return Problem(
        prompt=(
            f"{_queries_head(size, m)}\n{table}\n"
            "AP = (1/R) Σ P@k over the ranks k that hold a relevant document, with R the number of relevant\n"
            "documents in the collection (a relevant document never retrieved adds 0).\n"
            "What is the mean average precision (MAP)? Give 3 decimals."
        ),
        given={"relevance": lists, "total_relevant": totals},
        answer=value,
        unit="probability",
        tolerance=DEC3,
        solution=(
            f"P@k at each relevant rank k is (relevant so far)/k.\n{lines}\n"
            f"MAP = ({' + '.join(fmt.num(a) for a in aps)}) / {m} = {fmt.fixed(value, 3)}"
        ),
        diagnoses=(
            Diagnosis(
                float(retrieved_only.mean()),
                "you divided each AP by the relevant documents retrieved; divide by all R relevant ones",
            ),
            Diagnosis(float(p_at_n.mean()), f"that is the mean precision@{size}, not the mean AP"),
        ),
    )


@register
def rrf_score(rng: np.random.Generator, k: draw.IntSpec = 60, depth: draw.IntSpec = (4, 6)) -> Problem:
    """Reciprocal rank fusion score Σ 1/(k + rank) of one document over a BM25 and a dense ranking."""
    kk, d = draw.integer(rng, k), draw.integer(rng, depth)
    if kk < 0 or d < 2:
        raise ValueError("need k ≥ 0 and depth ≥ 2")
    pool = list("ABCDEFGHIJ")
    for _ in range(MAX_DRAWS):
        lexical = list(rng.choice(pool, size=d, replace=False))
        dense = list(rng.choice(pool, size=d, replace=False))
        both = [doc for doc in lexical if doc in dense]
        if both:
            break
    else:
        raise ValueError("could not draw two rankings that share a document")
    doc = str(both[int(rng.integers(len(both)))])
    r1, r2 = lexical.index(doc) + 1, dense.index(doc) + 1
    value = 1 / (kk + r1) + 1 / (kk + r2)
    return Problem(
        prompt=(
            "Two retrievers rank documents for the same query (rank 1 first):\n"
            f"  BM25:  {', '.join(lexical)}\n  dense: {', '.join(dense)}\n"
            f"Reciprocal rank fusion scores a document Σ 1/(k + rank) over the lists, with k = {kk}\n"
            f"and 1-based ranks. What is document {doc}'s fused score? Give 4 significant figures."
        ),
        given={"bm25": lexical, "dense": dense, "document": doc, "k": kk},
        answer=value,
        tolerance=Tolerance(sigfigs=4),
        solution=(
            f"{doc} is at rank {r1} in BM25 and rank {r2} in the dense list.\n"
            f"RRF({doc}) = 1/({kk} + {r1}) + 1/({kk} + {r2}) = {fmt.num(1 / (kk + r1), 4)} + "
            f"{fmt.num(1 / (kk + r2), 4)} = {fmt.sigfigs(value, 4)}"
        ),
        diagnoses=(
            Diagnosis(1 / r1 + 1 / r2, f"you left out k; each term is 1/(k + rank) with k = {kk}"),
            Diagnosis(1 / (kk + r1 - 1) + 1 / (kk + r2 - 1), "you counted ranks from 0; they start at 1"),
            Diagnosis(
                2 / (kk + (r1 + r2) / 2), "RRF sums the reciprocals; it does not average the ranks first"
            ),
        ),
    )


# ---------------------------------------------------------------------------------------------------------
# Lexical retrieval: TF-IDF and BM25.

_VOCAB = ("cat", "dog", "fish", "bird", "mat", "park", "runs", "sleeps", "eats", "big", "red", "old")


def _corpus(rng: np.random.Generator, docs: int, length: tuple[int, int], vocab: int) -> list[list[str]]:
    words = list(rng.choice(_VOCAB, size=vocab, replace=False))
    return [list(rng.choice(words, size=int(rng.integers(length[0], length[1] + 1)))) for _ in range(docs)]


def _corpus_prompt(corpus: list[list[str]]) -> str:
    return "\n".join(f"  d{i + 1}: {_words(doc)}" for i, doc in enumerate(corpus))


def _idf(n: int, df: int, smooth: bool = True) -> float:
    """scikit-learn's idf: ln((1 + n)/(1 + df)) + 1 when smoothed, ln(n/df) + 1 otherwise."""
    return float(np.log((1 + n) / (1 + df)) + 1) if smooth else float(np.log(n / df) + 1)


@register
def tfidf_weight(rng: np.random.Generator, docs: draw.IntSpec = (4, 6)) -> Problem:
    """TF-IDF weight of a term in a document, scikit-learn's smooth idf, no normalisation."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = draw.integer(rng, docs)
    for _ in range(MAX_DRAWS):
        corpus = _corpus(rng, n, (3, 6), 6)
        d = int(rng.integers(n))
        term = str(rng.choice(corpus[d]))
        tf = corpus[d].count(term)
        df = sum(term in doc for doc in corpus)
        if df < n and _apart(tf * np.log(n / df), tf * _idf(n, df), tf * np.log((1 + n) / (1 + df))):
            break
    else:
        raise ValueError(f"could not draw a corpus with docs={docs}")
    vectorizer = TfidfVectorizer(smooth_idf=True, norm=None)
    matrix = vectorizer.fit_transform([_words(doc) for doc in corpus])
    value = float(matrix[d, vectorizer.vocabulary_[term]])
    idf = _idf(n, df)
    return Problem(
        prompt=(
            f"A corpus of {n} documents:\n{_corpus_prompt(corpus)}\n"
            f"Using raw counts for tf and scikit-learn's smoothed idf(t) = ln((1 + n)/(1 + df(t))) + 1\n"
            f"(TfidfVectorizer(smooth_idf=True, norm=None)), what is the TF-IDF weight of '{term}' "
            f"in d{d + 1}? Give 3 decimals."
        ),
        given={"corpus": corpus, "document": d + 1, "term": term},
        answer=value,
        tolerance=DEC3,
        solution=(
            f"tf = count of '{term}' in d{d + 1} = {tf};  df = documents containing it = {df};  n = {n}\n"
            f"idf = ln((1 + {n})/(1 + {df})) + 1 = {fmt.num(idf)}\n"
            f"tf·idf = {tf} × {fmt.num(idf)} = {fmt.fixed(value, 3)}"
        ),
        diagnoses=(
            Diagnosis(
                tf * np.log(n / df), "that is the textbook tf·ln(n/df); scikit-learn smooths and adds 1"
            ),
            Diagnosis(tf * np.log((1 + n) / (1 + df)), "you left out the + 1 scikit-learn adds to the idf"),
            Diagnosis(
                tf * (np.log10((1 + n) / (1 + df)) + 1), "scikit-learn's idf uses the natural log, not log10"
            ),
        ),
    )


@register
def tfidf_cosine(rng: np.random.Generator, vocab: draw.IntSpec = (4, 5)) -> Problem:
    """Cosine similarity of two documents' TF-IDF vectors (scikit-learn defaults: smooth idf, L2 rows)."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    v = draw.integer(rng, vocab)
    for _ in range(MAX_DRAWS):
        corpus = _corpus(rng, 3, (2, 4), v)
        texts = [_words(doc) for doc in corpus]
        tfidf = TfidfVectorizer().fit_transform(texts)
        counts = CountVectorizer().fit_transform(texts)
        value = float(cosine_similarity(tfidf[0], tfidf[1])[0, 0])
        raw = float(cosine_similarity(counts[0], counts[1])[0, 0])
        plain = TfidfVectorizer(smooth_idf=False).fit_transform(texts)
        unsmoothed = float(cosine_similarity(plain[0], plain[1])[0, 0])
        if 0.05 < value < 0.98 and _apart(value, raw, unsmoothed):
            break
    else:
        raise ValueError(f"could not draw a corpus with vocab={vocab}")
    vocabulary = sorted(set(corpus[0]) | set(corpus[1]) | set(corpus[2]))
    idfs = {w: _idf(3, sum(w in doc for doc in corpus)) for w in vocabulary}
    w1, w2 = (np.array([doc.count(w) * idfs[w] for w in vocabulary]) for doc in corpus[:2])
    shared = [w for w in vocabulary if w in corpus[0] and w in corpus[1]]
    dot, n1, n2 = (fmt.num(x) for x in (float(w1 @ w2), np.linalg.norm(w1), np.linalg.norm(w2)))

    def weights(doc: list[str]) -> str:
        return ", ".join(f"{w} {doc.count(w)}×{fmt.num(idfs[w])}" for w in vocabulary if w in doc)

    return Problem(
        prompt=(
            f"A corpus of 3 documents:\n{_corpus_prompt(corpus)}\n"
            "With scikit-learn's TfidfVectorizer defaults (raw counts, idf = ln((1 + n)/(1 + df)) + 1, rows\n"
            "L2-normalised), what is the cosine similarity of d1 and d2? Give 3 decimals."
        ),
        given={"corpus": corpus},
        answer=value,
        unit="real",
        tolerance=DEC3,
        solution=(
            "idf: " + ", ".join(f"{w} {fmt.num(idfs[w])}" for w in vocabulary) + "\n"
            f"d1 weights (tf×idf): {weights(corpus[0])}\n"
            f"d2 weights (tf×idf): {weights(corpus[1])}\n"
            f"w1·w2 (shared words {', '.join(shared)}) = {dot};  ‖w1‖ = {n1}, ‖w2‖ = {n2}\n"
            f"cos = {dot} / ({n1} × {n2}) = {fmt.fixed(value, 3)} (L2-normalising rows does not change it)"
        ),
        diagnoses=(
            Diagnosis(raw, "that is the cosine of the raw counts; weight each count by its idf first"),
            Diagnosis(unsmoothed, "that uses idf = ln(n/df) + 1 (smooth_idf=False); the default smooths"),
        ),
    )


@register
def bm25_term(
    rng: np.random.Generator, k1: draw.RealSpec | Sequence[float] = (1.2, 1.5, 2.0), b: draw.RealSpec = 0.75
) -> Problem:
    """BM25 contribution of one query term (Lucene's idf ln(1 + (N − df + 0.5)/(df + 0.5)))."""
    k = float(draw.one_of(rng, k1))
    bb = draw.real(rng, b)
    if not (k > 0 and 0 <= bb <= 1):
        raise ValueError("need k1 > 0 and 0 ≤ b ≤ 1")
    n = int(rng.choice([1000, 5000, 10000, 50000, 100000]))
    df = int(np.round(n * 10 ** rng.uniform(-3, -0.7)))
    tf = int(rng.integers(1, 6))
    avgdl = int(rng.integers(8, 30)) * 10
    for _ in range(MAX_DRAWS):
        dl = int(rng.integers(5, 60)) * 10
        if dl != avgdl:
            break
    idf = float(np.log1p((n - df + 0.5) / (df + 0.5)))
    norm = k * (1 - bb + bb * dl / avgdl)
    saturation = tf * (k + 1) / (tf + norm)
    value = idf * saturation
    robertson = float(np.log((n - df + 0.5) / (df + 0.5)))
    return Problem(
        prompt=(
            f"BM25 with k1 = {fmt.num(k)}, b = {fmt.num(bb)}, Lucene's idf(t) = "
            "ln(1 + (N − df + 0.5)/(df + 0.5))\n"
            "and the classic tf part tf·(k1 + 1)/(tf + k1·(1 − b + b·dl/avgdl))\n"
            "(Lucene ≥ 8 drops the constant k1 + 1; keep it here).\n"
            f"The collection has N = {n} documents, with average length {avgdl} tokens. The term appears in\n"
            f"df = {df} documents, and {plural(tf, 'time')} in a document of length {dl}.\n"
            "What is the term's BM25 contribution to that document's score? Give 3 decimals."
        ),
        given={"k1": k, "b": bb, "N": n, "df": df, "tf": tf, "doc_length": dl, "avg_doc_length": avgdl},
        answer=value,
        tolerance=DEC3,
        solution=(
            f"idf = ln(1 + ({n} − {df} + 0.5)/({df} + 0.5)) = {fmt.num(idf)}\n"
            f"length norm = k1·(1 − b + b·dl/avgdl) = {fmt.num(k)}·(1 − {fmt.num(bb)} + {fmt.num(bb)}·"
            f"{dl}/{avgdl}) = {fmt.num(norm)}\n"
            f"tf part = tf·(k1 + 1)/(tf + norm) = {tf}·{fmt.num(k + 1)}/({tf} + {fmt.num(norm)}) "
            f"= {fmt.num(saturation)}\n"
            f"score = {fmt.num(idf)} × {fmt.num(saturation)} = {fmt.fixed(value, 3)}"
        ),
        diagnoses=(
            Diagnosis(
                robertson * saturation,
                "you used the classic idf ln((N − df + 0.5)/(df + 0.5)); this one adds 1 inside the log",
            ),
            Diagnosis(
                idf * tf * (k + 1) / (tf + k),
                "you left out the length normalisation 1 − b + b·dl/avgdl",
            ),
            Diagnosis(
                idf * tf / (tf + norm),
                "that is Lucene ≥ 8's BM25Similarity, which drops the constant k1 + 1; this formula keeps it",
            ),
            Diagnosis(idf * tf, "you left out the tf saturation tf·(k1 + 1)/(tf + k1·(…))"),
        ),
    )


# ---------------------------------------------------------------------------------------------------------
# Generation metrics: BLEU, ROUGE.

_SENTENCES = (
    "the cat sat on the mat near the door",
    "a quick brown fox jumps over the lazy dog",
    "the model retrieves relevant passages before it answers",
    "we train the network with a small learning rate",
    "the user clicked the second result on the page",
    "search engines rank the documents by estimated relevance",
    "the old man walked slowly to the train station",
    "students read the paper and wrote a short summary",
    "the team shipped a new ranking model last week",
    "a small dog chased the red ball across the park",
)
_FILLERS = ("big", "cold", "blue", "fast", "quiet", "green", "late")


def _candidate(rng: np.random.Generator, reference: list[str], reorder: bool) -> list[str]:
    """A system output made from `reference`: a few words dropped, swapped for others, repeated or moved."""
    tokens = list(reference)
    for _ in range(int(rng.integers(1, 4))):
        del tokens[int(rng.integers(len(tokens)))]
    for _ in range(int(rng.integers(0, 3))):
        tokens[int(rng.integers(len(tokens)))] = str(rng.choice(_FILLERS))
    if rng.random() < 0.4:  # a repeated word: clipping matters
        i = int(rng.integers(len(tokens)))
        tokens.insert(i, tokens[i])
    if reorder and rng.random() < 0.7:
        cut = int(rng.integers(2, len(tokens) - 1))
        tokens = tokens[cut:] + tokens[:cut]
    return tokens


def _pair_prompt(reference: list[str], candidate: list[str]) -> str:
    return f"  reference: {_words(reference)}\n  candidate: {_words(candidate)}\n"


@register
def bleu_score(rng: np.random.Generator, order: draw.IntSpec = 2) -> Problem:
    """Sentence BLEU-N (one reference, uniform weights, no smoothing) with the brevity penalty."""
    nn = draw.integer(rng, order)
    if not 1 <= nn <= 4:
        raise ValueError(f"order must be 1 to 4, got {nn}")
    for _ in range(MAX_DRAWS):
        reference = str(rng.choice(_SENTENCES)).split()
        candidate = _candidate(rng, reference, reorder=False)
        if len(candidate) >= len(reference):
            continue
        value = bleu(candidate, reference, nn)
        precisions = [modified_precision(candidate, reference, i) for i in range(1, nn + 1)]
        p = [m / t for m, t in precisions]
        bp = brevity_penalty(len(candidate), len(reference))
        unclipped = [
            sum(c for g, c in ngrams(candidate, i).items() if g in ngrams(reference, i))
            for i in range(1, nn + 1)
        ]
        if value > 0 and _apart(value, value / bp, bp * float(np.mean(p))):
            break
    else:
        raise ValueError(f"could not draw a candidate with order={nn}")
    c, r = len(candidate), len(reference)
    steps = "\n".join(
        f"p{i} = clipped matching {i}-grams / candidate {i}-grams = {m}/{t} = {fmt.num(m / t)}"
        for i, (m, t) in enumerate(precisions, start=1)
    )
    unclipped_value = bp * float(
        np.exp(np.mean(np.log([u / t for u, (_, t) in zip(unclipped, precisions, strict=True)])))
    )
    weights = " · ".join(f"p{i}" for i in range(1, nn + 1))
    return Problem(
        prompt=(
            f"{_pair_prompt(reference, candidate)}"
            f"What is the sentence BLEU-{nn} score: one reference, clipped (modified) n-gram precisions for\n"
            f"n = 1..{nn}, their geometric mean with equal weights, no smoothing, times the brevity penalty\n"
            "BP = exp(1 − r/c) when the candidate length c ≤ reference length r? Give 3 decimals."
        ),
        given={"reference": reference, "candidate": candidate, "order": nn},
        answer=value,
        unit="probability",
        tolerance=DEC3,
        solution=(
            f"{steps}\n"
            f"c = {c}, r = {r}: BP = exp(1 − {r}/{c}) = {fmt.num(bp)}\n"
            f"BLEU = BP · ({weights})^(1/{nn}) = {fmt.num(bp)} × {fmt.num(value / bp)} "
            f"= {fmt.fixed(value, 3)}"
        ),
        diagnoses=(
            Diagnosis(
                value / bp, "you left out the brevity penalty; the candidate is shorter than the reference"
            ),
            Diagnosis(
                bp * float(np.mean(p)), "BLEU takes the geometric mean of the precisions, not the arithmetic"
            ),
            Diagnosis(
                unclipped_value,
                "you did not clip: a candidate n-gram counts at most as often as it occurs in the reference",
            ),
        ),
    )


@register
def rouge_f1(rng: np.random.Generator, variant: str | Sequence[str] = ("1", "L")) -> Problem:
    """ROUGE-1 or ROUGE-L F1 of a candidate against one reference (whitespace tokens, no stemming)."""
    kind = str(draw.one_of(rng, variant)).upper()
    if kind not in ("1", "L"):
        raise ValueError(f"variant must be '1' or 'L', got {kind!r}")
    for _ in range(MAX_DRAWS):
        reference = str(rng.choice(_SENTENCES)).split()
        candidate = _candidate(rng, reference, reorder=kind == "L")
        unigram, _ = modified_precision(candidate, reference, 1)
        lcs = lcs_length(candidate, reference)
        overlap = unigram if kind == "1" else lcs
        p, r, f = _f1(overlap, len(candidate), len(reference))
        other = _f1(lcs if kind == "1" else unigram, len(candidate), len(reference))[2]
        if 0 < f < 1 and _apart(f, p, r, other):
            break
    else:
        raise ValueError(f"could not draw a candidate for ROUGE-{kind}")
    c, n_ref = len(candidate), len(reference)
    what = (
        "overlapping unigrams (each word counted at most as often as in the reference)"
        if kind == "1"
        else "the longest common subsequence (LCS) of the two token lists"
    )
    return Problem(
        prompt=(
            f"{_pair_prompt(reference, candidate)}"
            f"Tokens are the words as written (no stemming). What is the ROUGE-{kind} F1 score, with\n"
            f"P and R computed from {what}? Give 3 decimals."
        ),
        given={"reference": reference, "candidate": candidate, "variant": kind},
        answer=f,
        unit="probability",
        tolerance=DEC3,
        solution=(
            f"Overlap = {overlap} ({'clipped unigram matches' if kind == '1' else 'LCS length'}); "
            f"candidate has {c} tokens, reference {n_ref}.\n"
            f"P = {overlap}/{c} = {fmt.num(p)},  R = {overlap}/{n_ref} = {fmt.num(r)}\n"
            f"F1 = 2PR/(P + R) = {fmt.fixed(f, 3)}"
        ),
        diagnoses=(
            Diagnosis(r, "that is the recall alone; the question asks for F1"),
            Diagnosis(p, "that is the precision alone; the question asks for F1"),
            Diagnosis(other, f"that is ROUGE-{'L' if kind == '1' else '1'}; this asks for ROUGE-{kind}"),
        ),
    )


# ---------------------------------------------------------------------------------------------------------
# Recommenders: matrix factorisation, dot product vs cosine.


def _factors(rng: np.random.Generator, k: int) -> np.ndarray:
    return np.round(rng.uniform(-1.2, 1.2, size=k), 1)


@register
def mf_prediction(rng: np.random.Generator, factors: draw.IntSpec = (2, 4)) -> Problem:
    """Biased matrix-factorisation prediction r̂ = μ + b_u + b_i + p_u·q_i."""
    k = draw.integer(rng, factors)
    for _ in range(MAX_DRAWS):
        mu = draw.real(rng, [3.0, 4.0], decimals=1)
        bu, bi = draw.real(rng, [-0.8, 0.8], decimals=1), draw.real(rng, [-0.8, 0.8], decimals=1)
        p, q = _factors(rng, k), _factors(rng, k)
        dot = float(p @ q)
        if bu != 0 and bi != 0 and abs(dot) >= 0.1 and abs(bu + bi) >= 0.1:
            break
    value = mu + bu + bi + dot
    return Problem(
        prompt=(
            "A biased matrix-factorisation recommender predicts r̂ = μ + b_u + b_i + p_u·q_i.\n"
            f"  global mean μ = {fmt.num(mu)}, user bias b_u = {fmt.num(bu)}, item bias b_i = {fmt.num(bi)}\n"
            f"  p_u = {fmt.vec(p)}\n  q_i = {fmt.vec(q)}\n"
            "What rating does it predict? Give 2 decimals."
        ),
        given={"mu": mu, "b_u": bu, "b_i": bi, "p_u": p, "q_i": q},
        answer=value,
        tolerance=Tolerance(decimals=2),
        solution=(
            f"p_u·q_i = {_dot_text(p, q)} = {_minus(dot)}\n"
            f"r̂ = {fmt.num(mu)} {_signed(bu)} {_signed(bi)} {_signed(dot)} = {fmt.fixed(value, 2)}"
        ),
        diagnoses=(
            Diagnosis(dot, "that is p_u·q_i alone; add the global mean and both biases"),
            Diagnosis(mu + dot, "you left out the user and item biases"),
            Diagnosis(bu + bi + dot, "you left out the global mean μ"),
        ),
    )


@register
def mf_sgd_step(rng: np.random.Generator, factors: draw.IntSpec = (2, 3)) -> Problem:
    """One SGD step on a user factor: p_u ← p_u + η(e·q_i − λ·p_u), e = r − p_u·q_i."""
    k = draw.integer(rng, factors)
    for _ in range(MAX_DRAWS):
        p, q = _factors(rng, k), _factors(rng, k)
        r = float(rng.integers(1, 6))
        lr = float(rng.choice([0.05, 0.1, 0.2]))
        lam = float(rng.choice([0.02, 0.05, 0.1]))
        e = r - float(p @ q)
        new = p + lr * (e * q - lam * p)
        no_reg = p + lr * e * q
        if abs(e) >= 0.5 and np.max(np.abs(new - no_reg)) > BAND3 and np.max(np.abs(new - p)) > BAND3:
            break
    return Problem(
        prompt=(
            "Matrix factorisation predicts r̂ = p_u·q_i (no biases). "
            f"User u rated item i with r = {fmt.num(r)}.\n"
            f"  p_u = {fmt.vec(p)}\n  q_i = {fmt.vec(q)}\n"
            f"One SGD step on the squared error with L2 penalty λ = {fmt.num(lam)} and learning rate η = "
            f"{fmt.num(lr)}\nupdates p_u ← p_u + η·(e·q_i − λ·p_u), with e = r − r̂. "
            "What is the new p_u? Give 3 decimals."
        ),
        given={"rating": r, "p_u": p, "q_i": q, "learning_rate": lr, "l2": lam},
        answer=new.tolist(),
        tolerance=DEC3,
        solution=(
            f"r̂ = {_dot_text(p, q)} = {_minus(float(p @ q))};  e = {fmt.num(r)} − {_term(float(p @ q))} "
            f"= {_minus(e)}\n"
            f"e·q_i − λ·p_u = {fmt.vec(e * q - lam * p)}\n"
            f"p_u + {fmt.num(lr)} × that = {fmt.vec(new)}"
        ),
        diagnoses=(
            Diagnosis(
                (p - lr * (e * q - lam * p)).tolist(),
                "wrong sign: with e = r − r̂ the step adds η·(e·q_i − λ·p_u)",
            ),
            Diagnosis((p + lr * e * q).tolist(), "you left out the L2 term −λ·p_u"),
            Diagnosis(
                (p + lr * (e * p - lam * p)).tolist(),
                "the gradient for p_u uses the item factor q_i, not p_u",
            ),
        ),
    )


@register
def dot_vs_cosine_top1(rng: np.random.Generator, items: draw.IntSpec = (3, 4)) -> Problem:
    """Top-1 item by dot product and by cosine similarity, which differ (answered as [dot, cosine])."""
    m = draw.integer(rng, items)
    for _ in range(MAX_DRAWS):
        query = rng.integers(-3, 4, size=2)
        embeddings = rng.integers(-4, 5, size=(m, 2))
        if not query.any() or not np.all(embeddings.any(axis=1)):
            continue
        dots = embeddings @ query
        cosines = dots / (np.linalg.norm(embeddings, axis=1) * np.linalg.norm(query))
        top_dot, top_cos = np.sort(dots)[::-1], np.sort(cosines)[::-1]
        if (
            top_dot[0] - top_dot[1] >= 1
            and top_cos[0] - top_cos[1] > 0.02
            and np.argmax(dots) != np.argmax(cosines)
        ):
            break
    else:
        raise ValueError(f"could not draw embeddings with items={items}")
    answer = [int(np.argmax(dots)) + 1, int(np.argmax(cosines)) + 1]
    table = "\n".join(f"  item {i + 1}: {fmt.vec(e)}" for i, e in enumerate(embeddings))
    lines = "\n".join(
        f"  item {i + 1}: dot = {int(dv)}, ‖e‖ = {fmt.num(np.linalg.norm(e))}, cos = {fmt.num(cv, 3)}"
        for i, (e, dv, cv) in enumerate(zip(embeddings, dots, cosines, strict=True))
    )
    return Problem(
        prompt=(
            f"A two-tower model embeds a query as {fmt.vec(query)} and {m} items as:\n{table}\n"
            "Which item ranks first by dot product, and which by cosine similarity?\n"
            "Answer with item numbers (item 1 is the first listed) as [top by dot product, top by cosine]."
        ),
        given={"query": query, "items": embeddings},
        answer=answer,
        unit="count",
        solution=(
            f"‖query‖ = {fmt.num(np.linalg.norm(query))}\n{lines}\n"
            f"Largest dot product: item {answer[0]}; largest cosine: item {answer[1]}.\n"
            "The dot product rewards long vectors (e.g. popular items); cosine compares direction only."
        ),
        diagnoses=(
            Diagnosis(answer[::-1], "swapped: the order asked is [top by dot product, top by cosine]"),
        ),
    )
