"""The import reads a batch column by column first; it must accept, refuse and report exactly what the
per-row parsers do, whatever spellings, duplicates and bad values the file holds."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from survey.phones import PhoneVault
from survey.services.frames import _RowChecker

REGIONS = {"城中区": 1, "chengzhong": 1, "湖西县": 2, "Huxi County": 2, "huxi county": 2}
HEADER = ["手机号码", "区县", "城乡", "性别", "年龄", "姓名"]
MAPPING = {"phone": "手机号码", "region": "区县", "urban": "城乡", "sex": "性别", "age": "年龄"}
PHONES = ["13812345678", "13912345678", "13812345678", "１３８１２３４５６７８", "13８12345678", "١٣٨١٢٣٤٥٦٧٨",
          "+86 138-1234-5678", "12812345678", "0531-87654321", "053187654321", "", None, "1381234567",
          " 13912345678", "15900000000", 13812345670.0]
SPELLINGS = {
    "region": ["城中区", "湖西县", "Huxi County", " 城中区", "CHENGZHONG", "火星区", "", None],
    "urban": ["城镇", "农村", "1", "0", " 城镇", "URBAN", "城乡", "", None, 1],
    "sex": ["男", "女", "m", "F", " 男", "未知", "", None, 2],
    "age": ["45", "18", "17", "120", "121", "007", "45.0", "四十", "", None, " 30", 30, "٣٠"],
    "name": ["张伟", "", None, "13900001111", "a" * 30],
}


class _Source:
    """A frame file as the checker reads it: a header and numbered rows."""

    def __init__(self, rows: list[list[object]]) -> None:
        self.header = HEADER
        self.rows_ = rows

    def rows(self):
        for number, values in enumerate(self.rows_, start=2):
            yield number, values, number


def _checker(rows):
    return _RowChecker(7, _Source(rows), MAPPING, PhoneVault("a key"), REGIONS, existing={PhoneVault("a key").digest(
        "15900000000")})


# Half the time each cell takes its first (common) spelling, so whole rows often take the fast path.
# Some rows shorter than the header, as a CSV writer leaves trailing empty cells out.
row = st.tuples(*(st.sampled_from(values[:2]) | st.sampled_from(values) for values in (PHONES, *SPELLINGS.values())))
rows = st.lists(st.tuples(row, st.integers(1, 6) | st.just(6)).map(lambda r: list(r[0])[:r[1]]),
                min_size=1, max_size=40)
EDGES = [[phone, "城中区", "城镇", "男", age, "张伟"] for phone in ("13812345678", "13912345678")
         for age in ("17", "18", "120", "121")]


@settings(max_examples=300, deadline=None)
@given(rows, st.integers(1, 7))
@example(EDGES, 3)
def test_the_column_wise_batches_equal_the_row_by_row_parsers(file_rows, batch):
    import survey.services.frames as frames

    fast = _checker(file_rows)
    original, frames.BATCH = frames.BATCH, batch  # several batches per file: duplicates across batches too
    try:
        got = [row for rows_, _, _ in fast.batches() for row in rows_]
    finally:
        frames.BATCH = original
    slow = _checker(file_rows)
    padded = ((number, [*values, *[None] * (len(HEADER) - len(values))]) for number, values, _ in slow.source.rows())
    expected = [checked for number, values in padded if (checked := slow._check_row(number, values)) is not None]

    vault = PhoneVault("a key")
    assert [(r[0], r[1], *r[3:], vault.decrypt(r[2])) for r in got] == \
        [(7, record[0], *record[1:], clear) for record, clear in expected]
    assert fast.summary[1:] == (len(expected), slow.bad, slow.errors, ["姓名"])
