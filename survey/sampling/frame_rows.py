"""Reading one frame row (pure): the stratum fields, their accepted spellings, the mapping guess."""

from __future__ import annotations

from collections.abc import Sequence

from ..i18n import N_

AGE_BANDS = ("18-29", "30-44", "45-59", "60+")
FIELDS = ("phone", "region", "urban", "sex", "age", "age_band")
REQUIRED = ("phone", "region")
STRATUM_VARIABLES = ("region", "urban", "sex", "age_band")

# Column headings coordinators use, lower-cased, for the first guess of the mapping.
SYNONYMS = {
    "phone": ("phone", "mobile", "tel", "telephone", "number", "电话", "手机", "手机号", "手机号码", "电话号码", "号码",
              "联系电话"),
    "region": ("region", "district", "county", "area", "区县", "区/县", "地区", "县市区", "所属区县", "区域", "行政区"),
    "urban": ("urban", "urban_rural", "城乡", "城乡属性", "城镇/农村", "城乡类别"),
    "sex": ("sex", "gender", "性别"),
    "age": ("age", "年龄", "周岁"),
    "age_band": ("age_band", "ageband", "age group", "年龄段", "年龄组"),
}

_URBAN = {"城镇": True, "城市": True, "城区": True, "urban": True, "u": True, "1": True, "是": True,
          "农村": False, "乡村": False, "rural": False, "r": False, "0": False, "否": False}
_SEX = {"男": "M", "m": "M", "male": "M", "1": "M", "女": "F", "f": "F", "female": "F", "2": "F"}


class BadValue(ValueError):
    """A stratum value that cannot be read; the message says what would be accepted."""


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_urban(value: object) -> bool:
    if value in _URBAN:  # exact spellings first: the import's hot path
        return _URBAN[value]
    text = _text(value).lower()
    if not text:
        raise BadValue(N_("missing: 城镇/农村 (urban/rural) is needed"))
    if text not in _URBAN:
        raise BadValue(N_("not 城镇/农村 (urban/rural)"))
    return _URBAN[text]


def parse_sex(value: object) -> str:
    if value in _SEX:
        return _SEX[value]
    text = _text(value).lower()
    if not text:
        raise BadValue(N_("missing: 男/女 is needed"))
    if text not in _SEX:
        raise BadValue(N_("not 男/女 (M/F)"))
    return _SEX[text]


def parse_age(value: object) -> int:
    if type(value) is str and value.isdigit() and len(value) <= 3:
        age = int(value)
        if age <= 120:
            return age
    text = _text(value)
    if not text:
        raise BadValue(N_("missing: an age in years is needed"))
    try:
        age = int(float(text))
    except ValueError as exc:
        raise BadValue(N_("not a whole number of years")) from exc
    if not 0 <= age <= 120:
        raise BadValue(N_("not an age between 0 and 120"))
    return age


def age_band(age: int) -> str | None:
    """The band of an age; None below 18 (outside every survey population)."""
    if age < 18:
        return None
    if age < 30:
        return "18-29"
    if age < 45:
        return "30-44"
    if age < 60:
        return "45-59"
    return "60+"


def parse_age_band(value: object) -> str:
    text = _text(value).replace("–", "-").replace("—", "-").replace(" ", "").replace("岁", "")
    if not text:
        raise BadValue(N_("missing: an age band is needed"))
    if text in ("60-65", "60以上", "60及以上", "60-"):
        text = "60+"
    if text not in AGE_BANDS:
        raise BadValue(N_("not one of the age bands 18-29, 30-44, 45-59, 60+"))
    return text


def guess_mapping(header: Sequence[str]) -> dict[str, str]:
    """Field → column for the columns whose heading is a known spelling (the coordinator confirms)."""
    mapping: dict[str, str] = {}
    for column in header:
        key = _text(column).lower()
        for field, names in SYNONYMS.items():
            if field not in mapping and key in names:
                mapping[field] = column
    return mapping


# A unit's "cell": all four stratum variables in one integer, so a draw reads two integer columns
# (id, cell) whatever its strata. Each variable has one extra level for "missing".
URBAN_LEVELS = (True, False)
SEX_LEVELS = ("M", "F")
# The levels of each non-region stratum variable, in the order strata are listed and coded.
LEVELS = {"urban": URBAN_LEVELS, "sex": SEX_LEVELS, "age_band": AGE_BANDS}


def cell_code(region_id: int, urban: bool | None, sex: str | None, band: str | None) -> int:
    u = 2 if urban is None else (0 if urban else 1)
    x = 2 if sex is None else SEX_LEVELS.index(sex)
    b = 4 if band is None else AGE_BANDS.index(band)
    return ((region_id * 3 + u) * 3 + x) * 5 + b


def cell_parts(cells):
    """Inverse of :func:`cell_code` for NumPy arrays: (region_id, urban level, sex level, band level),
    each level −1 when missing."""
    band = cells % 5
    sex = (cells // 5) % 3
    urban = (cells // 15) % 3
    region = cells // 45
    return region, _missing(urban, 2), _missing(sex, 2), _missing(band, 4)


def _missing(levels, missing_level):
    return levels * (levels != missing_level) - (levels == missing_level)


# The import's column-wise fast path: the exact spellings it reads with one dict look-up per cell, each
# mapped to its level code in cell_code's numbering. They are a subset of what the parsers above accept,
# with the same result; a cell not found here (a missing value, an unusual spelling, a number from XLSX, an
# age under 18 or over 120) sends its row through the parsers, which read it or say what is wrong.
URBAN_CODES = {spelling: URBAN_LEVELS.index(value) for spelling, value in _URBAN.items()}
SEX_CODES = {spelling: SEX_LEVELS.index(value) for spelling, value in _SEX.items()}
BAND_CODES = {band: i for i, band in enumerate(AGE_BANDS)}
AGE_CODES = {str(age): (age, AGE_BANDS.index(age_band(age))) for age in range(18, 121)}
MISSING_CODE = {"urban": 2, "sex": 2, "age_band": 4}


def level_values(urban_code: int, sex_code: int, band_code: int) -> tuple[bool | None, str | None, str | None]:
    """The stored values of level codes (the inverse of the code tables above; the missing level is None)."""
    return (URBAN_LEVELS[urban_code] if urban_code < 2 else None, SEX_LEVELS[sex_code] if sex_code < 2 else None,
            AGE_BANDS[band_code] if band_code < 4 else None)
