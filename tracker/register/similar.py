"""Recommendations to one body that say nearly the same thing, so that one answer can serve several.

Texts are compared as sets of their content words (lower-cased, a plural's "s" dropped, common words left out):
two are likely duplicates when they share at least SIMILAR of their words together (Jaccard). Pairs are found by
prefix filtering (each text is indexed by its rarest words only, as many as a match at the threshold must share),
so a body with thousands of recommendations is not compared pair by pair."""
import math
import re
from collections import Counter, defaultdict

#: the share of their words two texts must have in common to be flagged
SIMILAR = 0.6
_WORD = re.compile(r"[a-z0-9]+")
#: words every recommendation uses: they say nothing about what it asks
_COMMON = frozenset("""
a about across all also an and any are as at be been being by can could do does each for from has have how in into is
it its make may more must no not of on or other our out should so such that the their them these they this those to
under up was we were what when where which who will with within would all every ensure consider review
""".split())


def words(text):
    found = set()
    for word in _WORD.findall(text.lower()):
        if word in _COMMON or len(word) < 3:
            continue
        found.add(word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word)
    return frozenset(found)


def similarity(first, second):
    return len(first & second) / len(first | second) if first or second else 0.0


def groups(texts, threshold=SIMILAR):
    """[[id, …]] of the texts ({id: text}) that are likely duplicates of one another, each group in id order, the
    groups in order of their first id."""
    sets = {key: words(text) for key, text in texts.items()}
    frequency = Counter(word for found in sets.values() for word in found)
    index, parent = defaultdict(list), {}

    def root(key):
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    for key, found in sorted(sets.items(), key=lambda pair: (len(pair[1]), pair[0])):
        if not found:
            continue
        rarest = sorted(found, key=lambda word: (frequency[word], word))
        candidates = set()
        for word in rarest[:len(rarest) - math.ceil(threshold * len(rarest)) + 1]:
            candidates.update(index[word])
            index[word].append(key)
        for other in candidates:
            if similarity(found, sets[other]) >= threshold:
                parent[root(key)] = root(other)
    grouped = defaultdict(list)
    for key in sets:
        grouped[root(key)].append(key)
    return sorted((sorted(members) for members in grouped.values() if len(members) > 1), key=lambda g: g[0])


def group_of(key, texts, threshold=SIMILAR):
    """The ids of the texts in `key`'s group (as groups() finds it: linked by likely duplicates, one to the next),
    in id order; empty when it has none. Walks out from the one text, so that a page about one recommendation does
    not group its body's every other."""
    sets = {other: words(text) for other, text in texts.items()}
    if not sets.get(key):
        return []
    found, frontier = {key}, [key]
    while frontier:
        current = sets[frontier.pop()]
        for other, words_of_other in sets.items():
            if other not in found and words_of_other and similarity(current, words_of_other) >= threshold:
                found.add(other)
                frontier.append(other)
    return sorted(found) if len(found) > 1 else []
