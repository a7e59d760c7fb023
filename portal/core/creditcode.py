"""统一社会信用代码 (unified social credit code) validation, GB 32100-2015.

``validate_credit_code`` returns the normalised code or raises ``CreditCodeError`` whose message
names, in Chinese, exactly what is wrong. The registration-authority and category lists are data.
"""

from __future__ import annotations

from flask_babel import gettext as _

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Registration authority (position 1) -> allowed categories (position 2), per the standard's tables.
AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}

# GB/T 2260 province-level prefixes; "10" stands for central (national) registration.
PROVINCE_PREFIXES = {
    "10",
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
}

FULL_WIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)})


class CreditCodeError(ValueError):
    """The code is not a valid unified social credit code; the message says why, in Chinese."""


def normalise(raw: str) -> str:
    """Upper-case, full-width to half-width, white space of any kind and hyphens removed.

    Codes are pasted from web pages and spreadsheets: no-break spaces and line ends come along.
    """
    return "".join(ch for ch in (raw or "").translate(FULL_WIDTH).upper() if not ch.isspace() and ch != "-")


def check_character(first17: str) -> str:
    """The 18th character for the first 17."""
    total = sum(CHARSET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def organisation_check_character(body: str) -> str | None:
    """GB 11714 check character of an 8-character organisation code body (None if it cannot have one)."""
    try:
        total = sum(int(ch, 36) * w for ch, w in zip(body, ORG_WEIGHTS, strict=True))
    except ValueError:
        return None
    remainder = 11 - total % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def validate_credit_code(raw: str) -> str:
    """Return the normalised code, or raise CreditCodeError naming what is wrong."""
    code = normalise(raw)
    if not code:
        raise CreditCodeError(_("请填写统一社会信用代码。"))
    if len(code) != 18:
        raise CreditCodeError(_("统一社会信用代码应为18位，您输入了%(n)d位。", n=len(code)))
    for position, ch in enumerate(code, start=1):
        if ch not in CHARSET:
            if ch in "IOSVZ":
                raise CreditCodeError(
                    _("第%(pos)d位“%(ch)s”不是有效字符：统一社会信用代码不使用字母I、O、S、V、Z。", pos=position, ch=ch)
                )
            raise CreditCodeError(_("第%(pos)d位“%(ch)s”不是有效字符。", pos=position, ch=ch))
    authority = AUTHORITIES.get(code[0])
    if authority is None:
        raise CreditCodeError(_("第1位登记管理部门代码“%(ch)s”不存在。", ch=code[0]))
    name, categories = authority
    if code[1] not in categories:
        raise CreditCodeError(
            _(
                "第2位机构类别代码“%(ch)s”不属于登记管理部门“%(name)s”（允许：%(allowed)s）。",
                ch=code[1],
                name=name,
                allowed="、".join(categories),
            )
        )
    division = code[2:8]
    if not division.isdigit() or division[:2] not in PROVINCE_PREFIXES:
        raise CreditCodeError(_("第3至8位登记管理机关行政区划码“%(div)s”无效。", div=division))
    org_expected = organisation_check_character(code[8:16])
    if org_expected is None or code[16] != org_expected:
        raise CreditCodeError(
            _("第9至17位组织机构代码“%(org)s”的校验位（第17位）不符，请核对是否输错。", org=code[8:17])
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        # Never name the expected character: it would turn any mistyped (or made-up) code into a valid one.
        raise CreditCodeError(_("第18位校验码不符，请核对是否输错。"))
    return code
