"""unsupervised generators: k-means steps, PCA, cosine similarity and k-NN, checked independently."""

from __future__ import annotations

import math
from collections import Counter
from statistics import fmean

import numpy as np
import pytest

from quizapp.problems import fmt
from quizapp.problems.registry import get
from quizapp.problems.unsupervised import (
    cosine_similarity,
    kmeans_assign,
    kmeans_update,
    knn_predict,
    nearest,
    pca_explained_variance,
)

SEEDS = range(40)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _pt(p: list[int]) -> str:
    return "(" + ", ".join(str(v) for v in p) + ")"


def test_the_catalogue_names_and_params_are_registered() -> None:
    assert set(get("unsupervised.kmeans_assign").params) == {"points", "k"}
    assert set(get("unsupervised.kmeans_update").params) == {"points"}
    assert set(get("unsupervised.pca_explained_variance").params) == {"dim"}
    assert set(get("unsupervised.cosine_similarity").params) == {"dim"}
    assert set(get("unsupervised.knn_predict").params) == {"k"}


def test_nearest_by_hand_euclidean_and_manhattan_disagree() -> None:
    # (0, 0) to c0 = (2, 2): d² = 8, |Δ| = 4;  to c1 = (3, 0): d² = 9, |Δ| = 3
    points, centroids = np.array([[0, 0], [9, 9]]), np.array([[2, 2], [3, 0]])
    assigned, unique = nearest(points, centroids)
    assert assigned.tolist() == [0, 0] and unique
    by_l1, _ = nearest(points, centroids, "manhattan")
    assert by_l1.tolist() == [1, 0]
    # (1, 1) is at d² = 2 from both (0, 0) and (2, 2): a tie
    assert not nearest(np.array([[1, 1]]), np.array([[0, 0], [2, 2]]))[1]


@pytest.mark.parametrize("seed", SEEDS)
def test_kmeans_assign_matches_a_plain_loop(seed: int) -> None:
    p = kmeans_assign(_rng(seed))
    centroids, points = p.given["centroids"], p.given["points"]
    expected = []
    for point in points:
        distances = [math.dist(point, c) for c in centroids]
        best = min(distances)
        assert distances.count(best) == 1  # never ambiguous
        expected.append(distances.index(best))
    assert p.answer == expected
    assert p.unit == "count"
    assert fmt.vec(expected) in p.solution
    assert all(_pt(q) in p.prompt for q in points + centroids)
    assert len(set(expected)) == min(len(centroids), len(points))  # no centroid left empty


def test_kmeans_assign_usually_shows_the_manhattan_mistake() -> None:
    shown = sum(any("Manhattan" in d.message for d in kmeans_assign(_rng(s)).diagnoses) for s in SEEDS)
    assert shown > len(SEEDS) // 2


def test_kmeans_update_by_hand() -> None:
    p = kmeans_update(_rng(7), points=3)
    assert p.given["cluster_points"] == [[9, 9], [9, 8], [9, 4]]
    # mean: ((9 + 9 + 9)/3, (9 + 8 + 4)/3) = (9, 7)
    assert p.answer == [9.0, 7.0]
    assert "[9.00, 7.00]" in p.solution
    assert "(9, 6)" in p.prompt  # the old centroid


@pytest.mark.parametrize("seed", SEEDS)
def test_kmeans_update_is_the_mean_of_the_cluster(seed: int) -> None:
    p = kmeans_update(_rng(seed))
    cluster = p.given["cluster_points"]
    expected = [fmean(q[0] for q in cluster), fmean(q[1] for q in cluster)]
    assert p.answer == pytest.approx(expected)
    assert p.tolerance.decimals == 2
    assert f"[{fmt.fixed(expected[0], 2)}, {fmt.fixed(expected[1], 2)}]" in p.solution
    assert all(_pt(q) in p.prompt for q in cluster + p.given["other_points"])
    everything = [fmean(q[i] for q in cluster + p.given["other_points"]) for i in range(2)]
    if any(abs(a - b) > 0.01 for a, b in zip(everything, expected, strict=True)):
        assert any(d.value == pytest.approx(everything) for d in p.diagnoses)


def test_pca_by_hand() -> None:
    # [[5, 2], [2, 5]]: eigenvalues 5 ± √(0² + 2²) = 7, 3; ratio = 7/10
    p = pca_explained_variance(_rng(1), dim=2)
    assert p.given["covariance"] == [[5, 2], [2, 5]]
    assert p.answer == pytest.approx(0.7)
    assert "0.700" in p.solution and "= 7, 3" in p.solution
    assert "[[5, 2], [2, 5]]" in p.prompt


@pytest.mark.parametrize("seed", SEEDS)
def test_pca_matches_sklearn_on_data_with_that_covariance(seed: int) -> None:
    from sklearn.decomposition import PCA

    p = pca_explained_variance(_rng(seed))
    cov = np.array(p.given["covariance"])
    # whitened noise (sample covariance exactly I) coloured by the Cholesky factor has covariance `cov`
    z = np.random.default_rng(100 + seed).normal(size=(50, len(cov)))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T
    data = z @ np.linalg.cholesky(cov).T
    assert np.cov(data, rowvar=False) == pytest.approx(cov)
    expected = float(PCA().fit(data).explained_variance_ratio_[0])
    assert p.answer == pytest.approx(expected)
    assert p.unit == "probability"
    assert fmt.fixed(p.answer, 3) in p.solution
    assert fmt.mat(cov) in p.prompt


def test_cosine_similarity_by_hand() -> None:
    from quizapp.problems.unsupervised import cosine_similarity as generator

    # u = [2, 0, −3, −2, −5], v = [−5, −5, −4, 3, 2]: u·v = −10 + 0 + 12 − 6 − 10 = −14
    # ‖u‖ = √42, ‖v‖ = √79: cos = −14/√3318 = −0.24305
    p = generator(_rng(0))
    assert p.given == {"u": [2, 0, -3, -2, -5], "v": [-5, -5, -4, 3, 2]}
    assert p.answer == pytest.approx(-14 / math.sqrt(42 * 79))
    assert "-0.243" in p.solution


@pytest.mark.parametrize("seed", SEEDS)
def test_cosine_similarity_matches_plain_python(seed: int) -> None:
    p = cosine_similarity(_rng(seed))
    u, v = p.given["u"], p.given["v"]
    dot = sum(a * b for a, b in zip(u, v, strict=True))
    assert p.answer == pytest.approx(dot / (math.hypot(*u) * math.hypot(*v)))
    assert isinstance(p.answer, float) and -1 < p.answer < 1 and p.answer != 0
    assert fmt.vec(u) in p.prompt and fmt.vec(v) in p.prompt
    assert fmt.fixed(p.answer, 3) in p.solution
    assert any(d.value == dot and "dot product" in d.message for d in p.diagnoses)


def _vote(points: list[list[int]], labels: list[int], query: list[int], k: int) -> int:
    ranked = sorted(range(len(points)), key=lambda i: math.dist(points[i], query))
    d_k, d_next = math.dist(points[ranked[k - 1]], query), math.dist(points[ranked[k]], query)
    assert d_k < d_next  # no tie at the k-th neighbour
    votes = Counter(labels[i] for i in ranked[:k]).most_common()
    assert len(votes) == 1 or votes[0][1] > votes[1][1]  # no tied vote
    return votes[0][0]


@pytest.mark.parametrize("seed", SEEDS)
def test_knn_predict_matches_a_plain_vote(seed: int) -> None:
    p = knn_predict(_rng(seed))
    points, labels, query, k = (p.given[key] for key in ("points", "labels", "query", "k"))
    assert p.answer == _vote(points, labels, query, k)
    assert p.unit == "count"
    assert f"k = {k}" in p.prompt and _pt(query) in p.prompt
    assert all(_pt(q) in p.prompt for q in points)
    assert p.solution.endswith(f"class {int(p.answer)}")


def test_knn_predict_agrees_with_kneighborsclassifier() -> None:
    from sklearn.neighbors import KNeighborsClassifier

    for seed in range(10):
        p = knn_predict(_rng(seed), k=3)
        model = KNeighborsClassifier(n_neighbors=3).fit(p.given["points"], p.given["labels"])
        assert p.answer == model.predict([p.given["query"]])[0]


def test_knn_with_k_above_one_often_disagrees_with_the_nearest_point() -> None:
    disagree = 0
    for seed in SEEDS:
        p = knn_predict(_rng(seed), k=3)
        disagree += any("single nearest" in d.message for d in p.diagnoses)
    assert disagree > len(SEEDS) // 2


def test_impossible_params_are_value_errors() -> None:
    with pytest.raises(ValueError):
        pca_explained_variance(_rng(0), dim=4)
    with pytest.raises(ValueError):
        kmeans_assign(_rng(0), k=1)
    with pytest.raises(ValueError):
        knn_predict(_rng(0), k=0)
