"""Complaint text: normalisation, segmentation with stop words, and loading jieba once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.issues import text
from survey.issues.text import STOP_WORDS, normalise, tokens, warm

ROOT = Path(__file__).resolve().parents[2]


def test_normalise_turns_full_width_into_half_width_and_collapses_spaces():
    assert normalise("  ＡＢＣ１２３，　幸福路\t\n路灯（坏了）！ ") == "ABC123, 幸福路 路灯(坏了)!"


def test_normalise_keeps_chinese_only_punctuation_and_drops_invisible_characters():
    assert normalise("路灯\u200b坏了。停水、停电") == "路灯坏了。停水、停电"
    assert normalise("") == "" and normalise("   ") == ""


@given(st.text(max_size=40))
def test_normalise_is_idempotent(raw):
    once = normalise(raw)
    assert normalise(once) == once
    assert "  " not in once and once == once.strip()


def test_tokens_are_the_words_of_the_problem_and_place():
    assert tokens("幸福路的路灯一直不亮！！") == ["幸福", "路", "路灯", "不亮"]
    assert tokens("我觉得我们小区物业非常不负责") == ["小区", "物业", "负责"]


def test_tokens_drop_numbers_amounts_and_durations():
    assert tokens("停水三天了，3.5元一吨，涨了10%") == ["停水", "元", "一吨", "涨"]
    assert tokens("路灯坏了好几个月，跑了好几次") == ["路灯", "坏", "跑"]


def test_tokens_fold_case_after_normalising():
    assert tokens("小区ＷｉＦｉ信号差") == tokens("小区wifi信号差") == ["小区", "wifi", "信号", "差"]


def test_tokens_of_empty_or_punctuation_only_text_are_empty():
    assert tokens("") == [] and tokens("。。。！？ ，") == []


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="幸福路的灯一直不亮小区物业很差了我们，。！ 123ａｂ\u3000", max_size=30))
def test_tokens_never_contain_stop_words_spaces_punctuation_or_numbers(raw):
    for word in tokens(raw):
        assert word not in STOP_WORDS
        assert word.strip() == word and word
        assert not word.isdigit() and any(ch.isalpha() for ch in word)


def test_the_dictionary_is_loaded_once_however_many_threads_ask(monkeypatch):
    loads = []

    class SlowTokenizer:  # stands in for jieba's: loading takes a while, which is when a race would show
        def initialize(self):
            loads.append(1)
            time.sleep(0.05)

        def lcut(self, sentence, cut_all=False, HMM=True):
            return list(sentence)

    import jieba
    monkeypatch.setattr(jieba, "Tokenizer", SlowTokenizer)
    monkeypatch.setattr(text, "_tokenizer", None)
    results = []
    threads = [threading.Thread(target=lambda: results.append(tokens("路灯"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loads == [1]
    assert results == [["路", "灯"]] * 8


def test_warm_loads_the_dictionary_and_loading_prints_nothing():
    # A fresh interpreter: jieba would print "Building prefix dict…" to stderr on first load.
    code = "from survey.issues import text; text.warm(); assert text._tokenizer is not None; print(text.tokens('路灯'))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['路灯']"
    assert done.stderr == ""


def test_warm_twice_is_harmless():
    warm()
    loaded = text._tokenizer
    warm()
    assert text._tokenizer is loaded


@pytest.mark.parametrize("word", ["的", "了", "我们", "一直", "非常", "比较", "这个", "那个"])
def test_stop_words_include_the_usual_fillers(word):
    assert word in STOP_WORDS
