"""The notices seed step: the provincial plan first, four national documents to be checked, two demo notices."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.notices.models import Notice


def test_seed_demo_loads_the_policy_documents_once(runner, session, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    notices = list(session.scalars(select(Notice).order_by(Notice.id)))
    assert notices[0].title == "山东省新能源汽车动力蓄电池回收利用工作实施方案"
    assert "总体情况" in notices[0].body and notices[0].kind == "policy"
    policies = [n for n in notices if n.kind == "policy"]
    assert len(policies) == 5 and all(n.needs_check for n in policies)
    assert {n.kind for n in notices if not n.needs_check} == {"notice", "news"}
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Notice)) == 7
    home = client.get("/").get_data(as_text=True)
    assert "关于征集团体标准起草单位的通知（演示）" in home
