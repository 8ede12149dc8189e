"""Keyword routing of complaints to a category, a responsible department and an urgency (pure).

Coordinators edit the rules in the UI, so rules are data (``KeywordRule``); ``DEFAULT_RULES`` seed a new
installation. The first rule, by (position, id), whose indicator filter fits and one of whose keywords occurs
in the complaint decides category and department. A rule that leaves the department open, or no rule at all,
leaves the complaint with the department responsible for its indicator.

When a keyword matches (``matches``): a keyword jieba keeps as one word matches a word of the complaint equal
to it or containing it (燃气 matches 燃气管道, which jieba cuts as 燃气管/道; 停车 matches 停车难), but never a
string that straddles two words (路灯 does not match 马路灯光, cut 马路/灯光); a keyword of one character
matches only the same word. A keyword jieba itself would split (老旧小区改造, 跑好几趟, 12345) matches as a
substring of the normalised text, since the complaint may be cut elsewhere. The keywords of urgent rules
always match as substrings: jieba cuts 闻到煤气味 as 闻到/煤/气味, and a missed gas leak costs far more than
a false alarm.

Urgency is safety-first: if any rule that fits says "urgent" (gas, no water, a leak, no power, a hazard),
the complaint is urgent even when an earlier, non-urgent rule routes it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..errors import ValidationError
from ..i18n import N_
from .deadlines import URGENCIES
from .text import STOP_WORDS, normalise
from .text import tokens as segment

MAX_KEYWORD = 20
OTHER = "other"  # category of an open complaint (no indicator) that no rule matches
_SEPARATORS = re.compile(r"[,，、;；\s]+")


def _invalid(field: str, template: str, **params: str) -> ValidationError:
    return ValidationError(template, params=params,
                           details=[{"field": field, "message": template % params if params else template}])


def parse_keywords(text: str) -> tuple[str, ...]:
    """Keywords as a coordinator types them: separated by commas (, ，), 、, semicolons or spaces.

    Normalised (full-width → half-width), duplicates dropped (ignoring case), order kept.
    """
    keywords: list[str] = []
    seen: set[str] = set()
    for part in _SEPARATORS.split(normalise(text or "")):
        if not part or part.casefold() in seen:
            continue
        if len(part) > MAX_KEYWORD:
            raise _invalid("keywords", N_("a keyword may have at most 20 characters: %(keyword)s"),
                           keyword=part[:MAX_KEYWORD] + "…")
        if part.casefold() in STOP_WORDS:
            # Stop words never reach the word list, so such a rule could never fire.
            raise _invalid("keywords", N_("%(keyword)s is too common a word to route by"), keyword=part)
        seen.add(part.casefold())
        keywords.append(part)
    if not keywords:
        raise _invalid("keywords", N_("enter at least one keyword"))
    return tuple(keywords)


@dataclass(frozen=True)
class KeywordRule:
    keywords: tuple[str, ...]
    category: str
    department: str | None = None  # a department code; None: the indicator's department
    urgency: str | None = None  # "urgent" | "normal" | "complex"; None: normal
    indicator: str | None = None  # only complaints about this indicator code; None: any complaint
    position: int = 0
    id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "keywords", tuple(self.keywords))  # a list from JSON stays hashable
        if not self.keywords:
            raise _invalid("keywords", N_("enter at least one keyword"))
        if not (self.category or "").strip():
            raise _invalid("category", N_("a rule needs a category"))
        if self.urgency is not None and self.urgency not in URGENCIES:
            raise _invalid("urgency", N_("unknown urgency: %(urgency)s (urgent, normal or complex)"),
                           urgency=str(self.urgency)[:20])


@dataclass(frozen=True)
class Routing:
    category: str
    department: str | None  # None: an open complaint no rule routes; a coordinator assigns it by hand
    urgency: str
    rule_id: int | None  # the deciding rule's id (None: no rule matched, or a default rule not yet stored)
    matched: tuple[str, ...]  # keywords that matched: the deciding rule's, then any that made it urgent


@lru_cache(maxsize=4096)
def _folded(keyword: str) -> tuple[str, bool]:
    """The keyword as compared, and whether jieba keeps it as one word."""
    folded = normalise(keyword).casefold()
    return folded, segment(folded) == [folded]


def matches(keyword: str, words: Sequence[str], text: str, *, loose: bool = False) -> bool:
    """Whether ``keyword`` occurs in a complaint with ``words`` (``tokens()``) and normalised, case-folded ``text``.

    ``loose``: as a substring of ``text`` in any case (urgent rules).
    """
    return _hit(keyword, frozenset(words), _SEP.join(words), text, loose)


_SEP = "\x00"  # joins the words: a keyword (never containing it) found in the join lies inside one word


def _hit(keyword: str, word_set: frozenset[str], joined: str, text: str, loose: bool) -> bool:
    folded, one_word = _folded(keyword)
    if not folded:
        return False
    if one_word and not loose:
        return folded in word_set if len(folded) == 1 else folded in joined
    return folded in text


def _ordered(rules: Sequence[KeywordRule]) -> list[KeywordRule]:
    # Stable: rules without an id (defaults not yet stored) keep their list order after stored ones.
    return sorted(rules, key=lambda rule: (rule.position, rule.id is None, rule.id or 0))


def route(text: str, indicator: str | None, rules: Sequence[KeywordRule], *, indicator_department: str | None,
          tokens: list[str] | None = None) -> Routing:
    """Category, department and urgency of one complaint (``tokens``: its ``tokens()``, if already computed)."""
    words = segment(text) if tokens is None else [word.casefold() for word in tokens]
    flat = normalise(text).casefold()
    word_set, joined = frozenset(words), _SEP.join(words)
    decided: tuple[KeywordRule, tuple[str, ...]] | None = None
    urgent_hits: tuple[str, ...] = ()
    for rule in _ordered(rules):
        if rule.indicator is not None and rule.indicator != indicator:
            continue
        loose = rule.urgency == "urgent"
        hits = tuple(keyword for keyword in rule.keywords if _hit(keyword, word_set, joined, flat, loose))
        if not hits:
            continue
        if decided is None:
            decided = (rule, hits)
            if rule.urgency == "urgent":
                break
        elif rule.urgency == "urgent":
            urgent_hits = hits
            break
    if decided is None:
        return Routing(indicator or OTHER, indicator_department, "normal", None, ())
    rule, hits = decided
    urgency = "urgent" if urgent_hits else rule.urgency or "normal"
    return Routing(rule.category, rule.department or indicator_department, urgency, rule.id,
                   hits + tuple(k for k in urgent_hits if k not in hits))


def _rule(position: int, keywords: str, category: str, department: str | None, urgency: str | None = None,
          indicator: str | None = None) -> KeywordRule:
    return KeywordRule(parse_keywords(keywords), category, department, urgency, indicator, position)


# Department codes are the demo city's (seeds/demo_city.json). The city has no urban-management bureau, so
# street lighting, sanitation and property management go to housing (住建); traffic order and parking to the
# traffic police (公安); power cuts to the 12345 hotline, which dispatches the grid company. Urgent rules come
# first; specific subjects before general ones (物业不作为 is property management, not officials' conduct).
DEFAULT_RULES: tuple[KeywordRule, ...] = (
    _rule(10, "燃气 煤气 天然气 燃气泄漏 燃气管道", "燃气安全", "housing", "urgent"),
    _rule(20, "停水 漏水 爆管 水管破裂 自来水管破裂", "供水供暖", "housing", "urgent"),
    _rule(30, "停电 断电 漏电 电线老化", "供电", "hotline", "urgent"),
    _rule(40, "安全隐患 火灾隐患 塌陷 危房 消防通道", "安全隐患", None, "urgent"),
    _rule(50, "食物中毒", "食品安全", "market_regulation", "urgent"),
    _rule(100, "自来水 水质 水压 暖气 供暖 不热", "供水供暖", "housing"),
    _rule(110, "路灯 灯不亮 照明 太黑", "路灯照明", "housing"),
    _rule(120, "堵车 拥堵 太堵 红绿灯 信号灯 交通混乱 交通秩序", "交通拥堵", "public_security"),
    _rule(130, "停车难 停车位 车位 停车 乱停", "停车难", "public_security"),
    _rule(140, "坑洼 坑坑洼洼 路面 修路 道路破损 路况", "道路维修", "transport"),
    _rule(150, "公交 公交车 班车 出租车 站点", "公共交通", "transport"),
    _rule(160, "物业 物业费 电梯 楼道", "物业管理", "housing"),
    _rule(170, "垃圾 脏乱差 环境卫生 卫生差 厕所 公厕 清扫", "环境卫生", "housing"),
    _rule(180, "污染 废气 偷排 排污 异味 臭味 黑臭 污水 雾霾", "环境污染", "ecology"),
    _rule(190, "噪音 噪声 太吵 扰民 广场舞", "噪音扰民", "ecology"),
    _rule(200, "挂号 看病难 看病贵 医院 医生 卫生院 诊所", "看病难", "health"),
    _rule(210, "排队 等候 等太久", "看病难", "health", indicator="healthcare"),
    _rule(220, "入学 上学 学位 择校 入园 幼儿园 学校", "入学难", "education"),
    _rule(230, "拖欠工资 欠薪 工资拖欠 讨薪", "欠薪", "human_resources"),
    _rule(240, "就业 找工作 失业 招聘 岗位 工作难找", "就业", "human_resources"),
    _rule(250, "社保 养老金 养老保险 医保 报销 退休金", "社会保险", "human_resources"),
    _rule(260, "低保 救助 特困 残疾 养老院 敬老院 养老服务", "社会救助", "civil_affairs"),
    _rule(270, "治安 巡逻 小偷 偷盗 盗窃 诈骗 打架 报警", "治安巡逻", "public_security"),
    _rule(280, "房价 保障房 公租房 房产证 不动产证 烂尾楼 拆迁 老旧小区改造", "住房", "housing"),
    _rule(290, "办事效率 跑好几趟 跑腿 审批 手续 窗口 办证", "办事效率", "admin_approval"),
    _rule(300, "排队 等候 等太久", "办事效率", "admin_approval", indicator="gov_services"),
    _rule(310, "食品安全 过期 变质 地沟油 无证经营 食品卫生 假药 药店", "食品安全", "market_regulation"),
    _rule(320, "缺斤少两 乱收费 物价 菜价 假货", "市场价格", "market_regulation"),
    _rule(330, "健身 健身器材 体育场 运动场 图书馆 文化活动", "文化体育", "culture_tourism"),
    _rule(340, "干部 推诿 扯皮 不作为 吃拿卡要 腐败 官僚 形式主义", "干部作风", "discipline"),
    _rule(350, "态度 态度差 服务态度", "服务态度", None),
    _rule(360, "12345 热线 打不通", "热线服务", "hotline"),
)
