"""The demo step of training: materials and events with registrations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core import clock
from portal.demo import SeedContext


def seed(session: Session, ctx: SeedContext) -> None:
    """Two training materials (one for members only) and an upcoming event with registrations."""
    from portal.auth.queries import user_by_email
    from portal.training import services
    from portal.training.models import TrainingMaterial

    if session.scalar(select(TrainingMaterial.id).where(TrainingMaterial.is_demo).limit(1)) is not None:
        return
    staff = user_by_email(session, "staff@demo.sdbra.cn")
    if staff is None:
        return
    materials = [
        (
            "废旧动力蓄电池回收服务网点运营实务（演示）",
            "网点标识、贮存条件、消防器材、台账记录与移交要求。",
            "网点运营人员",
            "outlet",
            "basic",
            False,
        ),
        (
            "GB/T 33598.3 放电规范解读（演示）",
            "拆解前放电的方法、终止电压判定与安全防护，附案例。",
            "再生利用企业技术人员",
            "standards",
            "intermediate",
            True,
        ),
    ]
    for title, summary, audience, topic, level, members_only in materials:
        data = services.MaterialInput(
            title=title,
            summary=summary,
            audience=audience,
            topic=topic,
            level=level,
            members_only=members_only,
            video_links="https://training.example.cn/videos/demo",
        )
        services.create_material(session, staff, data, is_demo=True)
    start = dt.datetime.combine(clock.today() + dt.timedelta(days=21), dt.time(9, 0))
    event = services.create_event(
        session,
        staff,
        services.EventInput(
            title="回收服务网点安全管理培训班（演示）",
            description="面向网点负责人和安全员，含现场演练。",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=7),
            place="济南市历下区经十路（演示地址）",
            capacity=2,
        ),
        is_demo=True,
    )
    for email in ("contact01@demo.sdbra.cn", "contact02@demo.sdbra.cn", "contact03@demo.sdbra.cn"):
        user = user_by_email(session, email)
        if user is not None:
            services.register(session, user, event.id)  # the third joins the waiting list
    _past_course(session, staff)
    ctx.created.append("training")


def _past_course(session: Session, staff) -> None:
    """A course held three weeks ago: two demo members registered beforehand, one attended (so has a certificate)."""
    from portal.auth.queries import user_by_email
    from portal.training import services

    start = clock.local_midnight_utc(clock.today() - dt.timedelta(days=21)) + dt.timedelta(hours=1)  # 09:00 Shandong
    with clock.kept():
        clock.set_now(start - dt.timedelta(days=10))  # announced and registered for before it was held
        event = services.create_event(
            session,
            staff,
            services.EventInput(
                title="废旧动力电池安全拆解与贮存实务培训（演示）",
                description="面向网点负责人和安全员：拆解前检测、绝缘防护、贮存消防要求。",
                starts_at=clock.local(start).replace(tzinfo=None),
                ends_at=clock.local(start + dt.timedelta(hours=7)).replace(tzinfo=None),
                place="淄博市张店区（演示地址）",
                capacity=30,
            ),
            is_demo=True,
        )
        rows = [
            services.register(session, user, event.id)
            for user in (user_by_email(session, e) for e in ("contact01@demo.sdbra.cn", "contact02@demo.sdbra.cn"))
            if user is not None
        ]
    services.record_attendance(session, staff, event.id, [rows[0].id] if rows else [])
