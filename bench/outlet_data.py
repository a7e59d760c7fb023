"""Realistic synthetic outlet rows (fictional), used for the demo CSV and the benchmarks.

python bench/outlet_data.py 520 > content/demo/outlets.csv
"""

from __future__ import annotations

import csv
import random
import sys

CITIES = {
    "济南市": (
        (36.65, 117.12),
        ["历下区", "市中区", "槐荫区", "天桥区", "历城区", "长清区", "章丘区", "济阳区", "莱芜区"],
        60,
    ),
    "青岛市": ((36.07, 120.38), ["市南区", "市北区", "黄岛区", "崂山区", "李沧区", "城阳区", "即墨区", "胶州市"], 62),
    "淄博市": ((36.81, 118.05), ["张店区", "淄川区", "博山区", "临淄区", "周村区"], 30),
    "枣庄市": ((34.81, 117.32), ["市中区", "薛城区", "峄城区", "台儿庄区", "滕州市"], 24),
    "东营市": ((37.43, 118.67), ["东营区", "河口区", "垦利区", "广饶县"], 20),
    "烟台市": ((37.46, 121.45), ["芝罘区", "福山区", "牟平区", "莱山区", "开发区", "龙口市", "莱阳市"], 42),
    "潍坊市": ((36.71, 119.16), ["潍城区", "奎文区", "坊子区", "寒亭区", "青州市", "寿光市", "诸城市"], 44),
    "济宁市": ((35.41, 116.59), ["任城区", "兖州区", "曲阜市", "邹城市"], 34),
    "泰安市": ((36.20, 117.09), ["泰山区", "岱岳区", "新泰市", "肥城市"], 24),
    "威海市": ((37.51, 122.12), ["环翠区", "文登区", "荣成市", "乳山市"], 22),
    "日照市": ((35.42, 119.53), ["东港区", "岚山区", "莒县"], 18),
    "临沂市": ((35.10, 118.36), ["兰山区", "罗庄区", "河东区", "沂南县", "郯城县"], 40),
    "德州市": ((37.44, 116.36), ["德城区", "陵城区", "禹城市", "乐陵市", "齐河县"], 26),
    "聊城市": ((36.46, 115.99), ["东昌府区", "茌平区", "临清市", "阳谷县"], 24),
    "滨州市": ((37.38, 117.97), ["滨城区", "沾化区", "邹平市", "博兴县"], 22),
    "菏泽市": ((35.23, 115.48), ["牡丹区", "定陶区", "曹县", "单县", "郓城县"], 28),
}
# Operators: demo member enterprises (with their demo credit codes) and fictional non-members.
OPERATORS = [
    ("济南泉城新能源汽车有限公司", "91370100MA3C1A073Y", "泉城新能源"),
    ("枣庄铁塔能源梯次利用有限公司", None, "铁塔能源"),
    ("烟台开发区绿色回收服务有限公司", None, "绿色回收"),
    ("威海蓝海新能源汽车销售服务有限公司", None, "蓝海新能源"),
    ("鲁风汽车销售服务有限公司", None, "鲁风汽车"),
    ("齐鲁新能源客车股份有限公司", None, "齐鲁客车"),
    ("海岱电动汽车有限公司", None, "海岱电动"),
    ("泰山重型汽车集团有限公司", None, "泰山重汽"),
    ("黄河新能源物流车有限公司", None, "黄河物流车"),
    ("蓬莱动力换电科技有限公司", None, "蓬莱换电"),
]
SITES = ["4S店", "维修服务中心", "换电站", "售后服务站", "报废汽车拆解厂", "电池服务中心"]
STREETS = [
    "长江路",
    "黄河路",
    "泰山路",
    "经十路",
    "人民路",
    "解放路",
    "工业大道",
    "滨海路",
    "建设路",
    "新华路",
    "胜利路",
    "和平路",
    "开发区大道",
    "银河路",
    "青年路",
    "花园路",
    "文化路",
    "东风路",
    "北京路",
    "上海路",
]
CONTACTS = ["王磊", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "黄强", "周婷", "吴军", "徐丽", "孙浩"]
STATUSES = ["合规"] * 12 + ["待核查"] * 5 + ["整改中"] * 2 + ["已关闭"]
HEADER = [
    "网点编号",
    "网点名称",
    "运营企业",
    "统一社会信用代码",
    "城市",
    "区县",
    "详细地址",
    "网点类型",
    "联系人",
    "联系电话",
    "经度",
    "纬度",
    "状态",
    "营业时间",
    "贮存面积",
    "贮存能力",
]
AREA_CODES = {
    "济南市": "0531",
    "青岛市": "0532",
    "淄博市": "0533",
    "枣庄市": "0632",
    "东营市": "0546",
    "烟台市": "0535",
    "潍坊市": "0536",
    "济宁市": "0537",
    "泰安市": "0538",
    "威海市": "0631",
    "日照市": "0633",
    "临沂市": "0539",
    "德州市": "0534",
    "聊城市": "0635",
    "滨州市": "0543",
    "菏泽市": "0530",
}


def rows(n: int, seed: int = 2020):
    """n outlet rows spread over the 16 cities in proportion to their weights."""
    rng = random.Random(seed)
    weights = [w for (_c, _d, w) in CITIES.values()]
    names = list(CITIES)
    yield_example = True
    for i in range(1, n + 1):
        city = rng.choices(names, weights)[0]
        (clat, clon), districts, _w = CITIES[city]
        district = rng.choice(districts)
        operator, code, short = rng.choice(OPERATORS)
        site = rng.choice(SITES)
        street = rng.choice(STREETS)
        number = rng.randint(1, 999)
        if yield_example and city == "烟台市" and district == "开发区":
            street, number, yield_example = "长江路", 188, False
        centralized = rng.random() < 0.12
        lat = round(clat + rng.uniform(-0.25, 0.25), 6)
        lon = round(clon + rng.uniform(-0.3, 0.3), 6)
        phone = (
            f"{AREA_CODES[city]}-{rng.randint(2000000, 8999999)}"
            if rng.random() < 0.7
            else f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}"
        )
        yield [
            f"SD{i:05d}",
            f"{short}{city[:-1]}{district}{site}回收服务网点" if i % 7 else f"{short}{street}{site}",
            operator,
            code or "",
            city,
            district,
            f"{city}{district}{street}{number}号",
            "集中贮存型" if centralized else "收集型",
            rng.choice(CONTACTS),
            phone,
            f"{lon}",
            f"{lat}",
            rng.choice(STATUSES),
            rng.choice(["08:30-17:30", "09:00-18:00", "周一至周六 8:00-17:00", "24小时"]),
            f"{rng.randint(60, 400) if centralized else rng.randint(10, 60)}",
            f"{rng.randint(30, 200) if centralized else rng.randint(1, 5)}",
        ]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 520
    writer = csv.writer(sys.stdout)
    writer.writerow(HEADER)
    for row in rows(n):
        writer.writerow(row)


if __name__ == "__main__":
    main()
