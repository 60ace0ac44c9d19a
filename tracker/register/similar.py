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
    sets = _word_sets(texts)
    first = {}  # the first text of each set of words: texts of the same words are compared once, as one
    for key in sorted(sets):
        first.setdefault(sets[key], key)
    frequency = Counter(word for found in first for word in found)
    index, parent = defaultdict(list), {}

    def root(key):
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    for found, key in sorted(first.items(), key=lambda pair: (len(pair[0]), pair[1])):
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
    for key, found in sets.items():
        if found:  # a text of no words is like no other
            grouped[root(first[found])].append(key)
    return sorted((sorted(members) for members in grouped.values() if len(members) > 1), key=lambda g: g[0])


def group_of(key, texts, threshold=SIMILAR):
    """The ids of the texts in `key`'s group (as groups() finds it: linked by likely duplicates, one to the next),
    in id order; empty when it has none. Walks out from the one text, so that a page about one recommendation does
    not group its body's every other."""
    sets = _word_sets(texts)
    if not sets.get(key):
        return []
    others = set(sets.values()) - {sets[key], frozenset()}  # texts of the same words are compared once, as one
    reached, frontier = {sets[key]}, [sets[key]]
    while frontier:
        current = frontier.pop()
        for other in [other for other in others if similarity(current, other) >= threshold]:
            others.discard(other)
            reached.add(other)
            frontier.append(other)
    found = [other for other, its_words in sorted(sets.items()) if its_words in reached]
    return found if len(found) > 1 else []


def _word_sets(texts):
    """{id: words} of the texts ({id: text}), each text read once however many recommendations repeat it."""
    of_text = {text: words(text) for text in set(texts.values())}
    return {key: of_text[text] for key, text in texts.items()}
