"""Complaint text: normalisation and Chinese word segmentation with jieba (pure).

jieba's dictionary takes about a second to load, so it is loaded once per process, on first use (a web
process that never segments never pays), under a lock (two threads must not load it twice). Workers call
``warm()`` in the parent before forking so every child shares the loaded dictionary.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba

# Function words and fillers that say nothing about the problem or the place; complaints taken down on the
# phone are full of them ("我觉得我们小区一直都…"). Kept small: every word here is invisible to routing
# rules and to near-duplicate detection.
STOP_WORDS = frozenset((
    "的", "地", "得", "了", "着", "过", "很", "太", "也", "都", "就", "还", "又", "再", "才", "在", "是", "有", "没",
    "没有", "不", "要", "会", "能", "让", "把", "被", "给", "对", "跟", "和", "与", "及", "或", "或者", "我", "我们",
    "你", "你们", "他", "她", "它", "他们", "她们", "咱们", "大家", "自己", "这", "那", "这个", "那个", "这些",
    "那些", "这里", "那里", "这样", "那样", "这么", "那么", "一直", "非常", "比较", "特别", "真的", "有点", "有些",
    "一些", "一下", "一个", "一点", "老是", "总是", "经常", "就是", "还是", "但是", "可是", "而且", "所以", "因为",
    "如果", "吗", "呢", "吧", "啊", "呀", "哦", "嗯", "呃", "嘛", "什么", "怎么", "为什么", "觉得", "感觉", "希望",
    "建议", "反映", "问题", "政府", "现在", "目前", "时候", "情况", "方面",
))

_SPACES = re.compile(r"\s+")
# Amounts and durations (三天, 好几个, 半个, 两年, 月, 次) say how long or how often, not what or where.
_QUANTITY = re.compile(r"[0-9零〇一二两三四五六七八九十百千万几半好多每]*个?[天日月年周次趟遍回号]?")
_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def normalise(text: str) -> str:
    """The text as stored and segmented: NFKC, invisible characters removed, runs of whitespace as one space.

    NFKC turns full-width letters, digits and ASCII punctuation into half-width ones (Ａ１，→ A1,) and the
    ideographic space into a space; Chinese-only punctuation (。、「」) has no half-width form and stays.
    """
    # Zero-width and other format/control characters come in with pasted text (removed before NFKC, so that
    # what they separated is composed too); any whitespace counts as a space.
    kept = (ch for ch in text or "" if ch.isspace() or unicodedata.category(ch)[0] != "C")
    text = "".join(" " if ch.isspace() else ch for ch in kept)
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def _load() -> jieba.Tokenizer:
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba  # imported here: 0.2 s that processes which never segment should not pay

                # jieba logs its loading at DEBUG to stderr through its own handler; quieten it here, not at
                # import (no logging setup at import time).
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()  # our own instance: nobody's jieba.add_word() changes our cuts
                tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


def warm() -> None:
    """Load the dictionary now (the RQ worker parent calls this once before forking)."""
    _load()


def _is_noise(token: str) -> bool:
    # Punctuation, symbols and numbers ("3", "3.5", "10%") carry no topic.
    if all(ch.isdigit() or ch.isspace() or unicodedata.category(ch)[0] in "PS" for ch in token):
        return True
    return _QUANTITY.fullmatch(token) is not None


def tokens(text: str) -> list[str]:
    """Words of ``text`` in order (jieba precise mode), case-folded, without stop words, punctuation or numbers."""
    words = _load().lcut(normalise(text).casefold(), cut_all=False, HMM=True)
    return [word for word in words if word not in STOP_WORDS and not _is_noise(word)]
