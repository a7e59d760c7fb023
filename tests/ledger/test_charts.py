"""The dashboard's chart: well-formed SVG, one bar per month, heights from the figures, text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from portal.ledger.charts import monthly_chart

SVG = "{http://www.w3.org/2000/svg}"


def months(n: int, **figures) -> list[dict]:
    rows = []
    for i in range(n):
        row = {"month": f"2026-{i + 1:02d}", "bill": 0, "payment": 0, "refund": 0, "payout": 0, "forfeit": 0}
        row.update({k: v[i] if isinstance(v, list) else v for k, v in figures.items()})
        rows.append(row)
    return rows


def parse(svg: str):
    return ET.fromstring(svg)  # noqa: S314


def bars(root) -> list:
    return root.findall(f"{SVG}rect[@class='bar']")


def test_the_svg_is_well_formed_with_one_bar_per_month():
    root = parse(monthly_chart(months(12, bill=[i * 1000 for i in range(12)])))
    assert root.tag == f"{SVG}svg"
    assert len(bars(root)) == 12
    assert len(root.findall(f"{SVG}polyline")) == 4  # payments, refunds, payouts, forfeitures
    for polyline in root.findall(f"{SVG}polyline"):
        assert len(polyline.get("points").split()) == 12


def test_bar_heights_follow_the_figures():
    heights = [float(b.get("height")) for b in bars(parse(monthly_chart(months(3, bill=[100, 400, 200]))))]
    assert heights[0] < heights[2] < heights[1]
    assert abs(heights[1] / heights[0] - 4) < 0.01
    assert heights[1] > 0


def test_an_empty_year_and_no_months_still_draw():
    assert all(float(b.get("height")) == 0 for b in bars(parse(monthly_chart(months(12)))))
    assert bars(parse(monthly_chart([]))) == []


def test_text_is_escaped():
    evil = '<script>alert("x")</script> & "quotes"'
    svg = monthly_chart(
        [{"month": "2026-<b>", "bill": 5}], labels={"bill": evil, "payment": "a&b"}, title='"><script>x</script>'
    )
    root = parse(svg)
    assert "<script" not in svg
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert evil in texts and "a&b" in texts
    assert root.find(f"{SVG}title").text == '"><script>x</script>'
    assert root.get("aria-label") == '"><script>x</script>'


def test_the_axis_shows_yuan():
    svg = monthly_chart(months(2, bill=[123456, 0]))
    texts = [t.text for t in parse(svg).iter(f"{SVG}text")]
    assert "0.00" in texts
    assert any(t and t.endswith(".00") and "," in t for t in texts)  # the top of the axis, in yuan
