"""Retrieval generators: each truth against an independent route (plain loops, scikit-learn, brute force,
finite differences) over many seeds, plus hand-worked and published examples."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from typing import Any

import numpy as np
import pytest

from quizapp.problems import retrieval
from quizapp.problems.check import check
from quizapp.problems.model import Problem
from quizapp.problems.registry import generators, get

SEEDS = range(40)


def make(name: str, seed: int, **params: Any) -> Problem:
    return get(f"retrieval.{name}").fn(np.random.default_rng(seed), **params)


# ---- ranking metrics ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_precision_recall_at_k_by_counting(seed: int) -> None:
    p = make("precision_recall_at_k", seed)
    rels, k, total = p.given["relevance"], p.given["k"], p.given["total_relevant"]
    hits = sum(1 for r in rels[:k] if r == 1)
    assert p.answer == pytest.approx([hits / k, hits / total])
    assert total >= sum(rels)


@pytest.mark.parametrize("seed", SEEDS)
def test_mrr_by_walking_each_list(seed: int) -> None:
    p = make("mrr", seed)
    total = 0.0
    for row in p.given["relevance"]:
        for rank, rel in enumerate(row, start=1):
            if rel:
                total += 1 / rank
                break
    assert p.answer == pytest.approx(total / len(p.given["relevance"]))


def test_dcg_matches_the_textbook_example() -> None:
    # Relevances 3, 2, 3, 0, 1, 2 (gain rel, discount log2(i + 1)): DCG@6 ≈ 6.861; ideal 3,3,3,2,2,2: 8.740.
    assert retrieval.dcg([3, 2, 3, 0, 1, 2], 6) == pytest.approx(6.861, abs=5e-4)
    assert retrieval.dcg([3, 3, 3, 2, 2, 2], 6) == pytest.approx(8.740, abs=5e-4)


@pytest.mark.parametrize("seed", SEEDS)
def test_ndcg_linear_gain_matches_scikit_learn(seed: int) -> None:
    from sklearn.metrics import ndcg_score

    p = make("ndcg_at_k", seed, gain_type="linear")
    rels, k = p.given["relevance"], p.given["k"]
    scores = list(range(len(rels), 0, -1))  # the system's order: rank 1 gets the highest score
    assert p.answer == pytest.approx(ndcg_score([rels], [scores], k=k))


@pytest.mark.parametrize("seed", SEEDS)
def test_ndcg_exponential_gain_by_a_loop(seed: int) -> None:
    p = make("ndcg_at_k", seed, gain_type="exponential")
    rels, k = p.given["relevance"], p.given["k"]

    def dcg(labels: list[int]) -> float:
        return sum((2**rel - 1) / math.log2(i + 1) for i, rel in enumerate(labels[:k], start=1))

    assert p.answer == pytest.approx(dcg(rels) / dcg(sorted(rels, reverse=True)))
    assert 0 < p.answer < 1  # type: ignore[operator]


def test_ndcg_hand_worked() -> None:
    # [0, 0, 3, 3, 2, 0, 0] at k = 3, gain rel: DCG = 3/log2(4) = 1.5; IDCG = 3 + 3/log2(3) + 2/2.
    p = make("ndcg_at_k", 3)
    assert p.given == {"relevance": [0, 0, 3, 3, 2, 0, 0], "k": 3, "gain": "linear"}
    assert p.answer == pytest.approx(1.5 / (3 + 3 / math.log2(3) + 1))


@pytest.mark.parametrize("seed", SEEDS)
def test_map_by_a_loop_and_scikit_learn_when_all_relevant_are_retrieved(seed: int) -> None:
    from sklearn.metrics import average_precision_score

    p = make("mean_average_precision", seed)
    aps = []
    for row, total in zip(p.given["relevance"], p.given["total_relevant"], strict=True):
        found, acc = 0, 0.0
        for rank, rel in enumerate(row, start=1):
            if rel:
                found += 1
                acc += found / rank
        aps.append(acc / total)
        if total == sum(row):  # nothing missing: scikit-learn's AP over the ranked list agrees
            scores = list(range(len(row), 0, -1))
            assert retrieval.average_precision(row, total) == pytest.approx(
                average_precision_score(row, scores)
            )
    assert p.answer == pytest.approx(sum(aps) / len(aps))


def test_map_hand_worked() -> None:
    p = make("mean_average_precision", 3)
    assert p.given["relevance"] == [[1, 0, 0, 1, 0, 0], [1, 0, 1, 0, 0, 0], [0, 0, 0, 1, 0, 0]]
    assert p.given["total_relevant"] == [4, 2, 1]
    # AP1 = (1/1 + 2/4)/4, AP2 = (1/1 + 2/3)/2, AP3 = (1/4)/1
    assert p.answer == pytest.approx(((1.5 / 4) + (5 / 3) / 2 + 0.25) / 3)


@pytest.mark.parametrize("seed", SEEDS)
def test_rrf_by_recounting_ranks(seed: int) -> None:
    p = make("rrf_score", seed)
    g = p.given
    expected = sum(
        1 / (g["k"] + ranking.index(g["document"]) + 1)
        for ranking in (g["bm25"], g["dense"])
        if g["document"] in ranking
    )
    assert p.answer == pytest.approx(expected)


def test_rrf_hand_worked() -> None:
    p = make("rrf_score", 3)
    assert p.given["document"] == "J"  # rank 3 in BM25, rank 5 in dense, k = 60
    assert p.answer == pytest.approx(1 / 63 + 1 / 65)


# ---- TF-IDF and BM25 ----------------------------------------------------------------------------------


def smooth_idf(corpus: list[list[str]], word: str) -> float:
    n, df = len(corpus), sum(word in doc for doc in corpus)
    return math.log((1 + n) / (1 + df)) + 1


@pytest.mark.parametrize("seed", SEEDS)
def test_tfidf_weight_by_the_formula(seed: int) -> None:
    p = make("tfidf_weight", seed)
    corpus, d, term = p.given["corpus"], p.given["document"], p.given["term"]
    assert p.answer == pytest.approx(corpus[d - 1].count(term) * smooth_idf(corpus, term))


def test_tfidf_weight_hand_worked() -> None:
    p = make("tfidf_weight", 3)
    assert p.given["term"] == "dog" and p.given["document"] == 2
    # 'dog' once in d2; in 3 of 6 documents: 1 × (ln(7/4) + 1)
    assert p.answer == pytest.approx(math.log(7 / 4) + 1)


@pytest.mark.parametrize("seed", SEEDS)
def test_tfidf_cosine_by_plain_python(seed: int) -> None:
    p = make("tfidf_cosine", seed)
    corpus = p.given["corpus"]
    vocabulary = sorted({w for doc in corpus for w in doc})
    w1, w2 = ([doc.count(w) * smooth_idf(corpus, w) for w in vocabulary] for doc in corpus[:2])
    dot = sum(a * b for a, b in zip(w1, w2, strict=True))
    expected = dot / (math.sqrt(sum(a * a for a in w1)) * math.sqrt(sum(b * b for b in w2)))
    assert p.answer == pytest.approx(expected)


def test_tfidf_cosine_hand_worked() -> None:
    p = make("tfidf_cosine", 3)
    assert p.given["corpus"] == [["bird", "fish"], ["red", "bird"], ["red", "red", "dog"]]
    common, rare = math.log(4 / 3) + 1, math.log(2) + 1  # df 2 (bird, red) and df 1 (fish)
    assert p.answer == pytest.approx(common**2 / (math.hypot(common, rare) * math.hypot(common, common)))


@pytest.mark.parametrize("seed", SEEDS)
def test_bm25_by_the_formula(seed: int) -> None:
    p = make("bm25_term", seed)
    g = p.given
    idf = math.log(1 + (g["N"] - g["df"] + 0.5) / (g["df"] + 0.5))
    k1, b, tf = g["k1"], g["b"], g["tf"]
    expected = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * g["doc_length"] / g["avg_doc_length"]))
    assert p.answer == pytest.approx(expected)


def test_bm25_hand_worked() -> None:
    p = make("bm25_term", 3)
    assert {k: p.given[k] for k in ("k1", "N", "df", "tf", "doc_length", "avg_doc_length")} == {
        "k1": 2.0, "N": 1000, "df": 4, "tf": 1, "doc_length": 520, "avg_doc_length": 250,
    }  # fmt: skip
    # idf = ln(1 + 996.5/4.5) = ln(222.44) = 5.4047; norm = 2·(0.25 + 0.75·2.08) = 3.62; tf part = 3/4.62
    assert p.answer == pytest.approx(5.40469 * 3 / 4.62, rel=1e-5)


def test_bm25_prompt_pins_the_tf_part() -> None:
    # Lucene ≥ 8 scores tf/(tf + norm) without the constant k1 + 1, so "as in Lucene" alone was ambiguous.
    p = make("bm25_term", 3)
    assert "tf·(k1 + 1)/(tf + k1·(1 − b + b·dl/avgdl))" in p.prompt
    lucene8 = 5.40469 * 1 / 4.62  # seed 3 by hand: idf × tf/(tf + norm)
    verdict = check(p, f"{lucene8:.4f}")
    assert not verdict.correct and verdict.diagnosis is not None and "Lucene" in verdict.diagnosis


# ---- BLEU and ROUGE -----------------------------------------------------------------------------------


def test_bleu_modified_precision_paper_example() -> None:
    # Papineni et al. (2002): "the the the the the the the" against "the cat is on the mat": 2/7.
    matched, total = retrieval.modified_precision(["the"] * 7, ["the", "cat", "is", "on", "the", "mat"], 1)
    assert (matched, total) == (2, 7)


def test_bleu_hand_worked() -> None:
    reference, candidate = ["the", "cat", "sat", "on", "the", "mat"], ["the", "cat", "on", "the", "mat"]
    # p1 = 5/5; bigrams the-cat, cat-on, on-the, the-mat: 3 of 4 in the reference; BP = exp(1 − 6/5)
    assert retrieval.bleu(candidate, reference, 2) == pytest.approx(math.exp(-0.2) * math.sqrt(0.75))
    assert retrieval.bleu([*reference, "again"], reference, 1) == pytest.approx(6 / 7)  # c > r: BP = 1


def bleu_by_lists(candidate: list[str], reference: list[str], order: int) -> float:
    """BLEU with n-grams counted as list slices, not Counters."""
    logs = []
    for n in range(1, order + 1):
        cand = [tuple(candidate[i : i + n]) for i in range(len(candidate) - n + 1)]
        ref = [tuple(reference[i : i + n]) for i in range(len(reference) - n + 1)]
        clipped = sum(min(cand.count(g), ref.count(g)) for g in set(cand))
        logs.append(math.log(clipped / len(cand)))
    c, r = len(candidate), len(reference)
    return (1.0 if c > r else math.exp(1 - r / c)) * math.exp(sum(logs) / order)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("order", [2, 3])
def test_bleu_by_list_counting(seed: int, order: int) -> None:
    p = make("bleu_score", seed, order=order)
    g = p.given
    assert len(g["candidate"]) < len(g["reference"])  # the brevity penalty always applies
    assert p.answer == pytest.approx(bleu_by_lists(g["candidate"], g["reference"], order))


def lcs_by_brute_force(a: list[str], b: list[str]) -> int:
    """The longest subsequence of `a` that is also a subsequence of `b`, trying every one."""

    def is_subsequence(seq: tuple[str, ...], of: list[str]) -> bool:
        it = iter(of)
        return all(token in it for token in seq)

    for size in range(len(a), 0, -1):
        if any(is_subsequence(seq, b) for seq in itertools.combinations(a, size)):
            return size
    return 0


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("variant", ["1", "L"])
def test_rouge_by_brute_force(seed: int, variant: str) -> None:
    p = make("rouge_f1", seed, variant=variant)
    cand, ref = p.given["candidate"], p.given["reference"]
    if variant == "1":
        overlap = sum((Counter(cand) & Counter(ref)).values())
    else:
        overlap = lcs_by_brute_force(cand, ref)
    precision, recall = overlap / len(cand), overlap / len(ref)
    assert p.answer == pytest.approx(2 * precision * recall / (precision + recall))


def test_rouge_l_hand_worked() -> None:
    p = make("rouge_f1", 3)
    assert p.given["variant"] == "L"
    assert p.given["candidate"] == ["the", "door", "the", "cat", "on", "the", "mat", "near"]
    # LCS with "the cat sat on the mat near the door": the cat on the mat near = 6; P = 6/8, R = 6/9
    assert p.answer == pytest.approx(2 * 0.75 * (6 / 9) / (0.75 + 6 / 9))


# ---- recommenders --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_mf_prediction_by_a_sum(seed: int) -> None:
    p = make("mf_prediction", seed)
    g = p.given
    dot = sum(a * b for a, b in zip(g["p_u"], g["q_i"], strict=True))
    assert p.answer == pytest.approx(g["mu"] + g["b_u"] + g["b_i"] + dot)


@pytest.mark.parametrize("seed", SEEDS)
def test_mf_sgd_step_is_a_step_down_the_numerical_gradient(seed: int) -> None:
    p = make("mf_sgd_step", seed)
    g = p.given
    pu, qi = np.array(g["p_u"]), np.array(g["q_i"])

    def loss(x: np.ndarray) -> float:  # ½(r − x·q)² + ½λ‖x‖², whose gradient step is the update asked
        return 0.5 * (g["rating"] - x @ qi) ** 2 + 0.5 * g["l2"] * x @ x

    h = 1e-6
    grad = np.array([(loss(pu + h * e) - loss(pu - h * e)) / (2 * h) for e in np.eye(len(pu))])
    assert p.answer == pytest.approx((pu - g["learning_rate"] * grad).tolist(), abs=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_dot_vs_cosine_top1_with_scikit_learn(seed: int) -> None:
    from sklearn.metrics.pairwise import cosine_similarity

    p = make("dot_vs_cosine_top1", seed)
    query, items = np.array(p.given["query"]), np.array(p.given["items"])
    dots = [sum(int(a) * int(b) for a, b in zip(item, query, strict=True)) for item in items]
    cosines = cosine_similarity(items, query[None, :])[:, 0]
    assert p.answer == [dots.index(max(dots)) + 1, int(np.argmax(cosines)) + 1]
    assert p.answer[0] != p.answer[1]  # type: ignore[index]


# ---- the problems themselves ---------------------------------------------------------------------------


NAMES = sorted(name.split(".", 1)[1] for name in generators() if name.startswith("retrieval."))


def test_at_least_seven_generators_are_registered() -> None:
    assert len(NAMES) >= 7


@pytest.mark.parametrize("name", NAMES)
def test_fifty_seeds_give_at_least_fifteen_distinct_problems(name: str) -> None:
    prompts = {make(name, seed).prompt for seed in range(50)}
    assert len(prompts) >= 15


def test_classic_mistakes_are_named() -> None:
    p = make("bleu_score", 3)  # BP = exp(1 − 9/8): leaving it out gives the geometric mean alone
    verdict = check(p, f"{p.answer / math.exp(1 - 9 / 8):.3f}")  # type: ignore[operator]
    assert verdict.status == "wrong" and verdict.diagnosis and "brevity penalty" in verdict.diagnosis
    p = make("mrr", 3)
    verdict = check(p, f"{(0.25 + 1 + 0.5 + 0.25) / 4:.3f}")  # only the queries with a hit
    assert verdict.diagnosis and "counts 0" in verdict.diagnosis
