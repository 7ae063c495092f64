"""Clustering and neighbours: k-means steps, PCA explained variance, cosine similarity, k-NN votes."""

from __future__ import annotations

from typing import Any

import numpy as np

from quizapp.content.schema import Tolerance
from quizapp.problems import draw, fmt
from quizapp.problems.model import Diagnosis, Problem, as_value
from quizapp.problems.redraw import clear_of_halfway, give_up
from quizapp.problems.registry import register

MAX_DRAWS = 1000
GRID = 10  # points have integer coordinates 0..GRID-1, easy to work by hand


def nearest(points: np.ndarray, centroids: np.ndarray, metric: str = "euclidean") -> tuple[np.ndarray, bool]:
    """Index of the nearest centroid of each point, and whether every nearest one is unique (no ties)."""
    diff = points[:, None, :] - centroids[None, :, :]
    dist = (diff**2).sum(axis=2) if metric == "euclidean" else np.abs(diff).sum(axis=2)
    best = dist.min(axis=1, keepdims=True)
    unique = bool(np.all((np.isclose(dist, best)).sum(axis=1) == 1))
    return dist.argmin(axis=1), unique


@register
def kmeans_assign(
    rng: np.random.Generator, points: draw.IntSpec = (4, 6), k: draw.IntSpec = (2, 3)
) -> Problem:
    """k-means assignment step: the nearest centroid (0-based index) of each 2-D point."""
    from sklearn.metrics.pairwise import euclidean_distances

    n, clusters = draw.integer(rng, points), draw.integer(rng, k)
    if n < 1 or clusters < 2:
        raise ValueError(f"need at least 1 point and 2 centroids, got {n} and {clusters}")
    found = None
    for attempt in range(MAX_DRAWS):
        centroids = rng.integers(0, GRID, size=(clusters, 2))
        if len({tuple(c) for c in centroids.tolist()}) < clusters:
            continue
        xy = rng.integers(0, GRID, size=(n, 2))
        assigned, unique = nearest(xy, centroids)
        if not unique or len(set(assigned.tolist())) < min(clusters, n):
            continue  # a tie, or a centroid left without points
        manhattan, manhattan_unique = nearest(xy, centroids, "manhattan")
        found = (centroids, xy, assigned, manhattan if manhattan_unique else None)
        if (manhattan_unique and np.any(manhattan != assigned)) or attempt >= 30:
            break  # prefer draws where the Manhattan mistake shows, but do not insist
    if found is None:
        raise ValueError("could not draw points with an unambiguous nearest centroid")
    centroids, xy, assigned, by_manhattan = found
    truth = euclidean_distances(xy, centroids).argmin(axis=1)

    d2 = ((xy[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    names = ", ".join(f"c{j} = {_pt(c)}" for j, c in enumerate(centroids))
    cells = [f"{_pt(p)}: {fmt.vec(d)} → {int(a)}" for p, d, a in zip(xy, d2, truth, strict=True)]
    rows = [";  ".join(cells[i : i + 3]) for i in range(0, len(cells), 3)]
    diagnoses = []
    if by_manhattan is not None:
        diagnoses.append(
            Diagnosis(
                as_value(by_manhattan), "you used Manhattan distance |Δx| + |Δy|; k-means uses Euclidean"
            )
        )
    farthest = d2.argmax(axis=1)
    diagnoses.append(
        Diagnosis(as_value(farthest), "you picked the farthest centroid; each point joins the nearest")
    )
    return Problem(
        prompt=(
            f"k-means with {clusters} centroids: {names}.\n"
            f"  points: {', '.join(_pt(p) for p in xy)}\n"
            "Assign each point to its nearest centroid (Euclidean distance).\n"
            "Answer with the 0-based centroid index of each point, in order, e.g. [0, 1, …]."
        ),
        given={"centroids": centroids, "points": xy},
        answer=truth,
        unit="count",
        solution=(
            f"Squared distances to [{', '.join(f'c{j}' for j in range(clusters))}] and the nearest:\n"
            + "\n".join(f"  {row}" for row in rows)
            + f"\nAnswer: {fmt.vec(truth)}"
        ),
        diagnoses=tuple(diagnoses),
    )


@register
def kmeans_update(rng: np.random.Generator, points: draw.IntSpec = (3, 6)) -> Problem:
    """k-means update step: the new centroid (mean) of the points assigned to a cluster."""
    m = draw.integer(rng, points)
    if m < 1:
        raise ValueError(f"need at least 1 point in the cluster, got {m}")
    for tries in range(MAX_DRAWS + 1):
        give_up(tries, "a cluster whose centroid moves", MAX_DRAWS)
        old = rng.integers(0, GRID, size=2)
        mine = np.clip(old + rng.integers(-3, 4, size=(m, 2)), 0, GRID - 1)
        others = rng.integers(0, GRID, size=(int(rng.integers(2, 4, endpoint=True)), 2))
        new = mine.mean(axis=0)
        if np.all(new != 0) and np.any(new != old):
            break
    with_old = (mine.sum(axis=0) + old) / (m + 1)
    everything = np.vstack([mine, others]).mean(axis=0)
    tolerance = Tolerance(decimals=2)
    sums = mine.sum(axis=0)
    return Problem(
        prompt=(
            f"In k-means, cluster A had centroid {_pt(old)}. After the assignment step,\n"
            f"  cluster A holds: {', '.join(_pt(p) for p in mine)}\n"
            f"  other clusters hold: {', '.join(_pt(p) for p in others)}\n"
            "What is cluster A's new centroid? Answer as [x, y], 2 decimals."
        ),
        given={"old_centroid": old, "cluster_points": mine, "other_points": others},
        answer=new,
        tolerance=tolerance,
        solution=(
            "The update step moves each centroid to the mean of the points assigned to it.\n"
            f"Sum of A's {m} points = {_pt(sums)}; divided by {m} = {_pt(np.round(new, 4))}\n"
            f"New centroid: [{fmt.fixed(new[0], 2)}, {fmt.fixed(new[1], 2)}]"
        ),
        diagnoses=(
            Diagnosis(
                with_old, "you averaged the old centroid in with the points; it is replaced, not included"
            ),
            Diagnosis(everything, "you averaged every point; only those assigned to cluster A count"),
            Diagnosis(
                as_value(old), "that is the old centroid; the update moves it to the mean of its points"
            ),
        ),
    )


@register
@clear_of_halfway
def pca_explained_variance(rng: np.random.Generator, dim: draw.IntSpec = (2, 3)) -> Problem:
    """Explained variance ratio of the first principal component, from a covariance matrix."""
    d = draw.integer(rng, dim)
    if d not in (2, 3):
        raise ValueError(f"dim must be 2 or 3, got {d}")
    for tries in range(MAX_DRAWS + 1):
        give_up(tries, "a covariance matrix", MAX_DRAWS)
        a, c = (int(x) for x in rng.integers(1, 10, size=2))
        b = int(rng.integers(-4, 5))
        if b != 0 and b * b < a * c:  # correlated, and positive definite
            break
    cov = np.array([[a, b], [b, c]], dtype=float)
    lone = None
    if d == 3:
        lone = int(rng.integers(1, 10))
        where = int(rng.integers(3))
        full = np.zeros((3, 3))
        rest = [i for i in range(3) if i != where]
        full[np.ix_(rest, rest)] = cov
        full[where, where] = lone
        cov = full
    eigenvalues = np.linalg.eigvalsh(cov)[::-1]
    total = float(np.trace(cov))
    ratio = float(eigenvalues[0] / eigenvalues.sum())

    half_sum, radius = (a + c) / 2, float(np.hypot((a - c) / 2, b))
    block = f"eigenvalues of [[{a}, {b}], [{b}, {c}]]: {fmt.num(half_sum)} ± √({_q((a - c) / 2)}² + {_q(b)}²)"
    block += f" = {fmt.num(half_sum + radius)}, {fmt.num(half_sum - radius)}"
    if lone is not None:
        block = f"The matrix is block diagonal: one variable is uncorrelated (eigenvalue {lone});\n{block}"
    tolerance = Tolerance(decimals=3)
    return Problem(
        prompt=(
            f"A centred data set with {d} features has covariance matrix\n  {fmt.mat(cov)}\n"
            "What fraction of the total variance does the first principal component explain? Give 3 decimals."
        ),
        given={"covariance": cov},
        answer=ratio,
        unit="probability",
        tolerance=tolerance,
        solution=(
            "PCA's component variances are the covariance eigenvalues; "
            f"their sum is the trace, {fmt.num(total)}.\n"
            f"{block}\n"
            f"Ratio = λ1 / Σλ = {fmt.num(eigenvalues[0])} / {fmt.num(total)} = {fmt.fixed(ratio, 3)}"
        ),
        diagnoses=(
            Diagnosis(eigenvalues[0], "that is the eigenvalue λ1 itself; divide it by the total variance"),
            Diagnosis(
                np.diag(cov).max() / total,
                "that is the largest single variance over the total: it ignores the correlation",
            ),
        ),
    )


@register
def cosine_similarity(rng: np.random.Generator, dim: draw.IntSpec = (2, 5)) -> Problem:
    """Cosine similarity of two small integer vectors."""
    from sklearn.metrics.pairwise import cosine_similarity as sk_cosine

    d = draw.integer(rng, dim)
    if d < 2:
        raise ValueError(f"dim must be at least 2, got {d}")
    for tries in range(MAX_DRAWS + 1):
        give_up(tries, "two usable vectors", MAX_DRAWS)
        u, v = rng.integers(-5, 6, size=(2, d))
        dot = int(u @ v)
        nu, nv = int(u @ u), int(v @ v)
        if nu and nv and dot and dot * dot != nu * nv:  # defined, not orthogonal, not parallel
            break
    truth = float(sk_cosine(u[None, :], v[None, :])[0, 0])
    tolerance = Tolerance(decimals=3)
    products = " + ".join(f"{_q(x)}·{_q(y)}" for x, y in zip(u, v, strict=True))
    return Problem(
        prompt=(
            f"  u = {fmt.vec(u)}\n  v = {fmt.vec(v)}\n"
            "What is the cosine similarity of u and v? Give 3 decimals."
        ),
        given={"u": u, "v": v},
        answer=truth,
        tolerance=tolerance,
        solution=(
            "cos(u, v) = u·v / (‖u‖·‖v‖)\n"
            f"u·v = {products} = {dot}\n"
            f"‖u‖ = √{nu} = {fmt.num(np.sqrt(nu))},  ‖v‖ = √{nv} = {fmt.num(np.sqrt(nv))}\n"
            f"cos = {dot} / ({fmt.num(np.sqrt(nu))} × {fmt.num(np.sqrt(nv))}) = {fmt.fixed(truth, 3)}"
        ),
        diagnoses=(
            Diagnosis(dot, "that is the dot product; divide it by both vector lengths"),
            Diagnosis(
                float(np.linalg.norm(u - v)), "that is the Euclidean distance ‖u − v‖, not a similarity"
            ),
        ),
    )


@register
def knn_predict(rng: np.random.Generator, k: draw.IntSpec = (1, 5)) -> Problem:
    """k-nearest-neighbour vote: the predicted class of a query among labelled 2-D points."""
    from sklearn.neighbors import NearestNeighbors

    kk = draw.integer(rng, k)
    if kk < 1:
        raise ValueError(f"k must be at least 1, got {kk}")
    n = max(7, kk + 3)
    found = None
    for attempt in range(MAX_DRAWS):
        n_classes = int(rng.integers(2, 3, endpoint=True))
        xy = rng.integers(0, GRID, size=(n, 2))
        y = rng.integers(0, n_classes, size=n)
        query = rng.integers(0, GRID, size=2)
        d2 = ((xy - query) ** 2).sum(axis=1)
        order = np.argsort(d2, kind="stable")
        if (
            len({tuple(p) for p in xy.tolist()}) < n
            or d2[order[kk - 1]] == d2[order[kk]]
            or d2[order[0]] == 0
        ):
            continue  # duplicate points, a tie at the k-th neighbour, or the query on a point
        votes = np.bincount(y[order[:kk]], minlength=n_classes)
        if (votes == votes.max()).sum() > 1 or len(set(y.tolist())) < n_classes:
            continue  # a tied vote, or a class without points
        found = (xy, y, query, d2, order, votes)
        if kk == 1 or y[order[0]] != votes.argmax() or attempt >= 30:
            break  # prefer draws where the nearest single neighbour disagrees with the vote
    if found is None:
        raise ValueError(f"could not draw an unambiguous {kk}-NN vote")
    xy, y, query, d2, order, votes = found
    # KNeighborsClassifier gives the same vote but costs ~20 ms per call; the search is what matters here
    neighbours = (
        NearestNeighbors(n_neighbors=kk, algorithm="kd_tree").fit(xy).kneighbors(query[None, :])[1][0]
    )
    truth = int(np.bincount(y[neighbours]).argmax())

    by_class = "\n".join(
        f"  class {c}: {', '.join(_pt(p) for p in xy[y == c])}"
        for c in range(int(y.max()) + 1)
        if np.any(y == c)
    )
    near = "; ".join(f"{_pt(xy[i])} d² = {d2[i]} class {y[i]}" for i in order[:kk])
    counts = np.bincount(y)
    diagnoses = []
    if kk > 1:
        diagnoses.append(
            Diagnosis(int(y[order[0]]), "that is the class of the single nearest point; k > 1 votes")
        )
    if (counts == counts.max()).sum() == 1:
        diagnoses.append(
            Diagnosis(int(counts.argmax()), "that is the most common class overall, not near the query")
        )
    return Problem(
        prompt=(
            f"Labelled training points:\n{by_class}\n"
            f"Classify the query {_pt(query)} by k-NN with k = {kk}\n"
            "(Euclidean distance, plain majority vote). "
            "Answer with the class number."
        ),
        given={"points": xy, "labels": y, "query": query, "k": kk},
        answer=truth,
        unit="count",
        solution=(
            f"The {kk} nearest to {_pt(query)} (squared distances):\n  {near}\n"
            f"Votes per class: {fmt.vec(votes)} → class {truth}"
        ),
        diagnoses=tuple(diagnoses),
    )


# --- small helpers (private to this family) ---


def _pt(p: Any) -> str:
    """A point as `(x, y)`."""
    return "(" + ", ".join(fmt.num(v) for v in p) + ")"


def _q(x: Any) -> str:
    """An operand: negatives in parentheses."""
    text = fmt.num(x)
    return f"({text})" if text.startswith("-") else text
