"""Synthetic library documents (standards, notices) for the search benchmark; fictional numbers."""

from __future__ import annotations

import random

SUBJECTS = ["车用动力电池回收利用", "锂离子电池", "储能用电池", "电动汽车用动力蓄电池", "废旧电池"]
PARTS = [
    "余能检测",
    "梯次利用要求",
    "拆卸要求",
    "放电规范",
    "材料回收要求",
    "包装运输",
    "回收服务网点",
    "编码规则",
    "安全要求",
    "标识要求",
    "贮存要求",
    "拆解规范",
    "热失控防护",
    "湿法冶金回收",
    "检验方法",
]
ENGLISH = {
    "余能检测": "residual capacity testing",
    "梯次利用要求": "cascade use requirements",
    "拆卸要求": "dismounting requirements",
    "放电规范": "discharge specification",
    "材料回收要求": "material recovery requirements",
    "包装运输": "packaging and transport",
    "回收服务网点": "collection outlets",
    "编码规则": "coding rules",
    "安全要求": "safety requirements",
    "标识要求": "marking requirements",
    "贮存要求": "storage requirements",
    "拆解规范": "dismantling specification",
    "热失控防护": "thermal runaway protection",
    "湿法冶金回收": "hydrometallurgical recovery",
    "检验方法": "test methods",
}
PREFIXES = [("GB/T", "national"), ("QC/T", "industry"), ("DB37/T", "local"), ("T/SDBRA", "association")]
TOPICS = [
    "coding",
    "residual_capacity",
    "cascade_use",
    "dismantling",
    "material_recovery",
    "packaging_transport",
    "storage_outlets",
    "safety",
    "management",
]
SCOPE = (
    "本文件规定了{subject}{part}的术语和定义、一般要求、技术要求、试验方法和检验规则，适用于{subject}在"
    "退役后的{part}活动。放电、贮存和运输过程应符合相关安全规定，磷酸铁锂和三元锂电池分别执行。"
)


def standards(n: int, seed: int = 34015):
    """n dicts accepted by portal.library.services.StandardInput."""
    rng = random.Random(seed)
    for i in range(n):
        prefix, level = rng.choice(PREFIXES)
        subject, part = rng.choice(SUBJECTS), rng.choice(PARTS)
        year = rng.randint(2012, 2025)
        base = 30000 + i // 3
        yield {
            "number": f"{prefix} {base}.{i % 3 + 1}-{year}",
            "title_zh": f"{subject} 第{i % 3 + 1}部分：{part}",
            "title_en": f"Recycling of traction batteries — Part {i % 3 + 1}: {ENGLISH[part]}",
            "level": level,
            "topic": rng.choice(TOPICS),
            "published_on": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "scope": SCOPE.format(subject=subject, part=part),
            "keywords": f"{part} {subject} {ENGLISH[part]}",
        }


QUERIES_ZH = [
    "放电",
    "梯次利用",
    "编码规则",
    "余能检测",
    "回收服务网点",
    "磷酸铁锂",
    "热失控",
    "湿法冶金",
    "包装运输",
    "拆解",
    "长江路",
    "4S店",
    "换电站",
    "泉城",
    "烟台 开发区",
    "贮存",
    "安全要求",
    "检验方法",
]
QUERIES_EN = [
    "discharge",
    "cascade use",
    "coding rules",
    "thermal runaway",
    "packaging",
    "battery",
    "recovery",
    "test methods",
    "storage requirements",
    "traction batteries",
]
QUERIES_NUMBERS = ["GB/T 30001", "gbt30010", "GB／T 30100.2", "34015", "QC/T 30200", "T/SDBRA 30050"]
