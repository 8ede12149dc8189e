"""Complaint texts a simulated respondent says (pure): varied templates per indicator and place.

Each indicator has several templates with place slots ({road}, {community}, …); each district has a
few places of each kind. Few places per district make near-duplicates happen — the same broken
street light reported by several respondents — as in real complaint lists, so clustering has
something to find.
"""

from __future__ import annotations

import numpy as np

TEMPLATES: dict[str, tuple[str, ...]] = {
    "public_security": (
        "{community}晚上经常有人喝酒闹事，希望加强巡逻",
        "{road}一带电动车被偷了好几辆，报警后也没下文",
        "{road}路口晚上黑乎乎的，走夜路不安全",
        "{village}有人冒充客服搞电信诈骗，老人被骗了好几个",
    ),
    "healthcare": (
        "{hospital}看病排队太长，挂个号要等一上午",
        "{hospital}检查项目太多，收费不透明",
        "{village}卫生室经常没人，买点药得跑到城里",
        "{hospital}医生态度不好，多问两句就不耐烦",
    ),
    "schooling": (
        "{school}门口上下学时段太堵，孩子过马路不安全",
        "{school}一个班六十多个学生，老师顾不过来",
        "{school}课后服务收费不合理，家长意见很大",
        "{community}附近没有公办幼儿园，孩子上学要跑很远",
    ),
    "environment": (
        "{river}河水发黑发臭，夏天味道很大",
        "{road}旁边的厂子晚上偷偷排烟，呛得睁不开眼",
        "{village}的垃圾没人清运，堆了好几天",
        "{park}旁边工地晚上十点还在施工，噪音太大",
    ),
    "jobs_income": (
        "{village}的年轻人在本地找不到工作，只能外出打工",
        "{road}那边的厂里拖欠工资好几个月了",
        "{community}灵活就业人员的社保补贴申请不下来",
        "就业培训都是走形式，学完了也找不到工作",
    ),
    "social_security": (
        "{village}老人的养老金太低，不够生活",
        "在{office}办医保报销跑了好几趟还没办完",
        "{community}低保评定不公平，该享受的没享受到",
        "异地就医报销手续太麻烦，要回来跑好几趟",
    ),
    "transport": (
        "{road}的路灯坏了很久没人修",
        "{road}路面坑坑洼洼，一下雨全是积水",
        "{station}的公交车班次太少，等一个小时才来一趟",
        "{road}早晚高峰堵得厉害，红绿灯时间不合理",
        "{community}门口乱停车，消防通道都堵死了",
    ),
    "gov_services": (
        "在{office}办事要跑好几个窗口，材料反复交",
        "{office}中午没人上班，群众白跑一趟",
        "营业执照变更在{office}拖了半个月还没办下来",
        "网上办事系统经常登不上去，最后还得跑{office}",
    ),
    "food_drug": (
        "{market}卖的菜农药残留超标，没人管",
        "{road}上的小饭馆后厨脏乱差，也没人查",
        "{market}有人卖过期食品",
        "{village}的小卖部卖三无产品",
    ),
    "housing": (
        "{community}老旧小区改造拖了两年还没完工",
        "{community}物业不作为，电梯坏了一个月没人修",
        "{community}楼顶漏水，找了好几次都没人管",
        "{village}经常停水，自来水还发黄",
    ),
    "culture_sport": (
        "{community}附近没有健身场地，只能在马路边锻炼",
        "{park}的健身器材坏了没人修",
        "{village}的文化广场被占用当了停车场",
        "图书馆开放时间太短，周末还闭馆",
    ),
    "officials_conduct": (
        "{office}有的干部办事推诿扯皮，门难进脸难看",
        "{village}村干部办事不公开，补贴发放不透明",
        "向{office}反映的问题石沉大海，一直没人回复",
        "{office}工作人员上班时间玩手机，爱答不理",
    ),
}
# Said after the complaint itself, so identical complaints read a little differently.
ENDINGS = ("", "", "，希望尽快解决", "，反映过好几次了", "，希望政府重视一下", "，麻烦给解决一下")

_PLACE_KINDS = ("road", "community", "school", "hospital", "market", "park", "river", "village", "station", "office")
PLACES: dict[str, dict[str, tuple[str, ...]]] = {
    "chengzhong": {
        "road": ("人民路", "解放路", "中山路", "文化路"), "community": ("幸福里小区", "阳光花园", "锦绣家园"),
        "school": ("城中区实验小学", "市第一中学"), "hospital": ("市人民医院", "城中区中医院"),
        "market": ("东关菜市场", "南门农贸市场"), "park": ("人民公园", "滨河公园"), "river": ("护城河",),
        "village": ("东关村", "后营村"), "station": ("火车站公交站", "市政府站"),
        "office": ("城中区政务服务中心", "解放路街道办"),
    },
    "chengnan": {
        "road": ("南环路", "新华路", "青年路", "光明街"), "community": ("南苑小区", "翠竹园", "金色家园"),
        "school": ("城南小学", "市第三中学"), "hospital": ("城南区人民医院", "市妇幼保健院"),
        "market": ("南关市场",), "park": ("南湖公园",), "river": ("南沙河",),
        "village": ("王庄村", "李家庄"), "station": ("南湖站", "新华路站"),
        "office": ("城南区政务服务中心", "光明街道办"),
    },
    "hedong": {
        "road": ("河东大道", "黄河路", "泰山路", "长江路"), "community": ("东方花园", "滨河小区", "铁路宿舍"),
        "school": ("河东市实验中学", "东关小学"), "hospital": ("河东市人民医院", "河东市中医院"),
        "market": ("河东农贸市场", "东关大集"), "park": ("东湖公园",), "river": ("东河", "小清河"),
        "village": ("张家庄", "后屯村", "前屯村"), "station": ("河东汽车站",),
        "office": ("河东市行政审批服务局", "城东街道办"),
    },
    "wenyang": {
        "road": ("汶阳路", "迎宾大道", "府前街", "振兴路"), "community": ("汶阳新城", "丽景小区"),
        "school": ("汶阳一中", "汶阳实验小学"), "hospital": ("汶阳市中医院", "汶阳市人民医院"),
        "market": ("城北市场",), "park": ("汶河湿地公园",), "river": ("汶河",),
        "village": ("北陈村", "孙家庄"), "station": ("汶阳客运站",),
        "office": ("汶阳市便民服务中心", "府前街道办"),
    },
    "qingping": {
        "road": ("清平大街", "育才路", "兴业路"), "community": ("清平花园", "惠民小区"),
        "school": ("清平县一中", "城关小学"), "hospital": ("清平县人民医院",),
        "market": ("清平大集",), "park": ("清平广场",), "river": ("清水河",),
        "village": ("马庄村", "西赵村", "东赵村"), "station": ("清平汽车站",),
        "office": ("清平县政务大厅", "城关镇政府"),
    },
    "huxi": {
        "road": ("湖西路", "湖滨路", "渔港路"), "community": ("湖畔小区", "祥和苑"),
        "school": ("湖西县实验小学", "湖西二中"), "hospital": ("湖西县人民医院",),
        "market": ("湖西农贸市场",), "park": ("湖滨公园",), "river": ("南四湖",),
        "village": ("渔村", "刘集村"), "station": ("湖西汽车站",),
        "office": ("湖西县便民服务中心", "湖滨镇政府"),
    },
}


def complaint_text(indicator: str, district: str, rng: np.random.Generator) -> str:
    """One complaint about ``indicator`` in ``district`` (a template, places of that district, an ending)."""
    templates = TEMPLATES[indicator]
    places = PLACES[district]
    template = templates[int(rng.integers(len(templates)))]
    filled = template.format(**{kind: places[kind][int(rng.integers(len(places[kind])))] for kind in _PLACE_KINDS})
    return filled + ENDINGS[int(rng.integers(len(ENDINGS)))]
