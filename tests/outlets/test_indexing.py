"""The index follows the database exactly, even with several processes writing at once."""

from __future__ import annotations

import multiprocessing
import random

import pytest
from sqlalchemy import select

from portal import search
from portal.outlets import outlet_document, services, validation
from portal.outlets.models import Outlet
from tests.factories import commit_and_index, make_user, outlet_input

pytestmark = pytest.mark.db
WRITERS = 4
CHANGES_PER_WRITER = 15


def _writer(config: dict, worker: int, staff_id: int, outlet_ids: list[int], errors) -> None:
    """A separate process (like a gunicorn worker): change outlets, sometimes run the indexer too."""
    try:
        from portal import create_app
        from portal.auth.models import User
        from portal.core.uow import run_in_transaction

        app = create_app(config)
        rng = random.Random(worker)
        with app.app_context():
            for n in range(CHANGES_PER_WRITER):
                target = rng.choice(outlet_ids)

                def change(session, target=target, n=n):
                    staff = session.get(User, staff_id)
                    outlet = session.get(Outlet, target)
                    data = validation.OutletInput(
                        code=outlet.code,
                        name=f"进程{worker}第{n}次修改网点",
                        operator=outlet.operator_name,
                        city=outlet.city,
                        district=outlet.district,
                        address=f"烟台市开发区黄河路{worker}{n}号",
                        type=outlet.type,
                        status=rng.choice(["合规", "待核查", "整改中"]),
                    )
                    services.update_outlet(session, staff, target, data)

                run_in_transaction(change)
                if n % 3 == worker % 3:
                    search.catch_up()
    except BaseException as exc:  # reported to the parent
        errors.put(f"writer {worker}: {type(exc).__name__}: {exc}")
        raise


def test_index_and_database_agree_after_concurrent_writers(app, app_config, session):
    staff = make_user(session, "staff")
    outlets = [services.create_outlet(session, staff, outlet_input()) for _ in range(12)]
    commit_and_index(session)
    ids = [o.id for o in outlets]
    ctx = multiprocessing.get_context("fork")
    errors = ctx.Queue()
    processes = [
        ctx.Process(target=_writer, args=(app_config, worker, staff.id, ids, errors)) for worker in range(WRITERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert not problems, problems
    assert all(p.exitcode == 0 for p in processes)

    search.catch_up()
    session.expire_all()  # the test's session keeps objects across commits (expire_on_commit is off)
    expected = {o.id: outlet_document(o).digest() for o in session.scalars(select(Outlet))}
    assert search.engine().digests("outlet") == expected
    # and every current name is findable, every overwritten one gone
    for outlet in session.scalars(select(Outlet)):
        hits = search.search(outlet.name, kinds=["outlet"], filters={"status": ["pending", "compliant", "rectifying"]})
        assert ("outlet", outlet.id) in hits.keys
    assert search.search("测试网点", kinds=["outlet"]).total == 0
