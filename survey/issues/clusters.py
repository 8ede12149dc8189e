"""Near-duplicate complaints: the same problem at the same place, grouped into clusters (pure).

Similarity is the Jaccard index of two complaints' *features*: their words (``text.tokens()``) plus the
character bigrams inside words of three or more characters. The bigrams make the index robust to jieba
cutting one phrase two ways (停车难 / 停车位 share 停车; 灯不亮 / 不亮 share 不亮).

Words alone cannot tell "阳光小区物业不管事" from "东方花园物业不管事" — the same wording about two places,
and exactly what a cluster must keep apart (clusters are formed within a district and category, so the
problem words are already alike). So a place check comes first: complaints that name places must share one
(one name containing the other counts: 人民医院 / 市人民医院), and a complaint naming no place only
clusters with others naming none. Places are found by suffix (路 街 村 小区 花园 医院 小学 …, see
``places``) — a heuristic: a missed or spurious place only ever *prevents* a merge, the cheaper error
(a coordinator merges two issues by hand; a wrong merge hides a problem from a department).

THRESHOLD = 0.4 was chosen on the pairs in tests/unit/test_issue_clusters.py: it keeps all 19 distinct pairs
apart (the closest score 0.38) and joins 12 of 21 paraphrases; words without the place check would
merge 4 of the distinct pairs at this threshold.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

THRESHOLD = 0.4

# Longer suffixes first: what precedes the suffix is the name, and its length matters (see places()).
PLACE_SUFFIXES = ("卫生院", "派出所", "幼儿园", "小区", "花园", "公园", "广场", "医院", "小学", "中学", "学校",
                  "市场", "社区", "大厅", "家园", "新村", "大道", "路", "街", "巷", "村", "庄", "镇", "乡", "苑", "厂")
# Words with a place suffix that name no particular place (市场 alone is "the market" in general).
GENERIC = frozenset((
    "道路", "马路", "公路", "高速公路", "修路", "走路", "出路", "思路", "线路", "一路", "上路", "过路", "小路",
    "大路", "街道", "大街", "农村", "乡村", "城乡", "乡镇", "工厂", "市场", "菜市场", "农贸市场",
))
# Words before a bare suffix (…小区, …医院) that do not name it.
NOT_NAMES = frozenset((
    "附近", "周边", "周围", "旁边", "对面", "门口", "城区", "市区", "县城", "老旧", "新建", "晚上", "早上", "白天",
    "夜里", "每天", "各个", "所有", "整个", "这条", "那条", "楼下", "楼上",
))


def _suffix(word: str) -> str | None:
    return next((suffix for suffix in PLACE_SUFFIXES if word.endswith(suffix)), None)


def places(words: Sequence[str]) -> frozenset[str]:
    """Place names in ``words`` (in text order, as ``tokens()`` returns them).

    A word ending in a place suffix after at least two characters names a place (建设路, 东方花园, 城关镇). A bare
    suffix, or one after a single character, is joined to the word before it (幸福 路 → 幸福路, 人民 医院 →
    人民医院, 翠苑 小区 → 翠苑小区) unless that word is itself a bare suffix or does not name anything (附近 医院).
    """
    found: set[str] = set()
    for i, word in enumerate(words):
        suffix = _suffix(word)
        if suffix is None or word in GENERIC:
            continue
        if len(word) - len(suffix) >= 2:
            found.add(word)
        elif i > 0 and words[i - 1] not in NOT_NAMES and words[i - 1] not in PLACE_SUFFIXES:
            found.add(words[i - 1] + word)
    return frozenset(found)


def features(words: Sequence[str]) -> frozenset[str]:
    """Words plus the character bigrams inside words of three or more characters."""
    grams = set(words)
    for word in words:
        if len(word) > 2:
            grams.update(word[i:i + 2] for i in range(len(word) - 1))
    return frozenset(grams)


def same_place(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both name no place, or they share one (one name containing the other: 幸福路 / 幸福路路)."""
    if not a or not b:
        return not a and not b
    return any(x in y or y in x for x in a for y in b)


class _Profile:
    """What similarity needs of one complaint, computed once (a batch compares each item many times)."""

    __slots__ = ("features", "places")

    def __init__(self, words: Sequence[str]) -> None:
        words = list(words)
        self.features = features(words)
        self.places = places(words)

    def similarity(self, other: _Profile) -> float:
        if not same_place(self.places, other.places):
            return 0.0
        union = len(self.features | other.features)
        return len(self.features & other.features) / union if union else 0.0


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """How alike two complaints are, 0–1, from their ``tokens()`` (in text order: places are read from it)."""
    return _Profile(a).similarity(_Profile(b))


def _best(profile: _Profile, candidates: Sequence[tuple[int, _Profile]], threshold: float) -> int | None:
    best_id, best_score = None, -1.0
    for cluster_id, other in candidates:
        score = profile.similarity(other)
        if score > best_score or (score == best_score and best_id is not None and cluster_id < best_id):
            best_id, best_score = cluster_id, score
    return best_id if best_id is not None and best_score >= threshold else None


def assign(tokens: Sequence[str], candidates: Sequence[tuple[int, Sequence[str]]], *,
           threshold: float = THRESHOLD) -> int | None:
    """The cluster a new complaint joins: the candidate cluster with the best similarity at or above ``threshold``
    (ties: the lowest id), or None for a cluster of its own.

    ``candidates`` are (cluster id, tokens) pairs, as many per cluster as you like (every member, or only its
    first complaint): a cluster scores its best pair. ``cluster()`` passes every member.
    """
    profile = _Profile(tokens)
    return _best(profile, [(cluster_id, _Profile(words)) for cluster_id, words in candidates], threshold)


def cluster(items: Sequence[tuple[int, Hashable, Sequence[str]]], *, threshold: float = THRESHOLD) -> dict[int, int]:
    """Cluster labels for (key, group, tokens) items, e.g. (issue id, (district, category), tokens).

    Items are taken in key order, each joining a cluster of its group as ``assign()`` decides against all earlier
    members; a cluster is labelled by its smallest key. So the result does not depend on the input order, and a
    batch agrees with complaints assigned one by one as they arrive (in id order). Clusters never merge later.
    """
    keys = [key for key, _, _ in items]
    if len(set(keys)) != len(keys):
        raise ValueError("cluster() needs distinct keys")
    members: dict[Hashable, list[tuple[int, _Profile]]] = {}
    labels: dict[int, int] = {}
    for key, group, words in sorted(items, key=lambda item: item[0]):
        profile = _Profile(words)
        in_group = members.setdefault(group, [])
        label = _best(profile, in_group, threshold)
        labels[key] = key if label is None else label
        in_group.append((labels[key], profile))
    return labels
