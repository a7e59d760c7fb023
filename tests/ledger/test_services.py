"""The ledger's services without HTTP, from the refused side: every refusal is a DomainError with a clear
Chinese message and leaves every ledger table as it was. Then the rules that decide amounts: the
version in force on the billing day, rounding, which intakes refund, forfeiture run twice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.core.actors import system
from portal.errors import DomainError, Forbidden
from portal.ledger import billing, corrections, refunds, rules
from portal.ledger.models import Deposit, LedgerTransaction
from portal.registry.models import Battery
from tests.ledger import helpers
from tests.ledger.helpers import expected_deposit, expected_split, snapshot, user

pytestmark = pytest.mark.db


@pytest.fixture
def cast(app, session):
    return helpers.build_cast(session)


def _packs(session, cast, *capacities, fit=True) -> list[str]:
    codes = helpers.register_packs(session, cast, capacities or ("60",), fit=fit)
    session.commit()
    return codes


def _bill(session, cast, *codes, on=None):
    deposits = billing.bill_deposits(session, user(session, cast.maker_email), list(codes), on=on)
    session.commit()
    return deposits


def _staff(session, cast, other=False):
    return user(session, cast.other_staff_email if other else cast.staff_email)


def refused(session, call, *, kind=DomainError) -> DomainError:
    """call(session) is refused with a message; nothing of it is written."""
    before = snapshot(session)
    with pytest.raises(kind) as caught:
        call(session)
    assert caught.value.message.strip()
    after = snapshot(session)  # rolls back first, as the request's unit of work does on an error
    assert after == before
    return caught.value


def _deposit(session, code) -> Deposit:
    session.rollback()
    return session.scalar(select(Deposit).join(Battery, Battery.id == Deposit.battery_id).where(Battery.code == code))


def _settlements(session, code) -> list[LedgerTransaction]:
    session.rollback()
    battery_id = session.scalar(select(Battery.id).where(Battery.code == code))
    return list(
        session.scalars(
            select(LedgerTransaction).where(
                LedgerTransaction.battery_id == battery_id, LedgerTransaction.kind.in_(("refund", "forfeit"))
            )
        )
    )


def _paid(session, cast, fen, ref="BANK-1", day=None):
    billing.record_payment(session, _staff(session, cast), cast.maker, fen, day or clock.today(), ref)
    session.commit()


# --- refusals --------------------------------------------------------------------------------


def test_a_second_refund_for_the_same_pack_is_never_approved(cast, session):
    code = _packs(session, cast)[0]
    _bill(session, cast, code)
    helpers.retire(session, cast, code, "outlet")
    helpers.take_in(session, cast, code, "outlet")
    session.commit()
    assert [t.kind for t in _settlements(session, code)] == ["refund"]
    # The pack travels on to the whitelisted recycler: that qualifying intake approves nothing more.
    before = snapshot(session)
    item = {"code": code, "event": "outlet_dispatch", "counterparty_credit_code": cast.recycler_code}
    helpers.report(session, cast.operator_email, [item])
    intake = helpers.report(session, cast.recycler_email, [{"code": code, "event": "recycler_intake"}])
    session.commit()
    assert snapshot(session) == before
    # Asked again directly with the same intake: nothing to refund, nothing written.
    assert refunds.refund_on_intakes(session, system("test"), intake) == []
    assert snapshot(session) == before
    assert len(_settlements(session, code)) == 1
    helpers_verify(session)


def test_a_settlement_posted_twice_is_refused_by_its_key(cast, session):
    from portal.ledger import journal

    code = _packs(session, cast)[0]
    _bill(session, cast, code)
    helpers.retire(session, cast, code, "outlet")
    helpers.take_in(session, cast, code, "outlet")
    session.commit()
    txn = _settlements(session, code)[0]
    deposit = _deposit(session, code)
    twice = journal.Posting(
        key=f"settle:{deposit.battery_id}:0",
        kind="forfeit",
        posted_on=clock.today(),
        lines=(journal.Line(f"deposits_held:{cast.maker}", "D", 1), journal.Line("recycling_fund", "C", 1)),
        battery_id=deposit.battery_id,
    )
    error = refused(session, lambda s: journal.post(s, system("test"), twice), kind=journal.AlreadyPosted)
    assert f"第{txn.id}号凭证" in error.message and "不会重复记账" in error.message


def test_a_key_posted_before_is_found_beyond_the_first_900_of_a_batch(cast, session):
    """The journal reads the first 900 keys with the head in one query and the rest after: a key posted
    before, 901st in a batch, is refused all the same and nothing of the batch is written."""
    from portal.ledger import journal

    code = _packs(session, cast)[0]
    (deposit,) = _bill(session, cast, code)
    posted = f"bill:{deposit.battery_id}:0"
    lines = (
        journal.Line(f"deposits_receivable:{cast.maker}", "D", 1),
        journal.Line(f"deposits_held:{cast.maker}", "C", 1),
    )
    batch = [journal.Posting(key=f"test:{i}", kind="bill", posted_on=clock.today(), lines=lines) for i in range(900)]
    batch.append(journal.Posting(key=posted, kind="bill", posted_on=clock.today(), lines=lines))
    error = refused(session, lambda s: journal.post_many(s, system("test"), batch), kind=journal.AlreadyPosted)
    assert error.key == posted and error.transaction_id == deposit.billed_txn_id


def test_nothing_is_posted_into_a_closed_month(cast, session, at):
    code = _packs(session, cast)[0]
    _bill(session, cast, code)
    at("2026-12-03 09:00")
    corrections.close_month(session, _staff(session, cast), "2026-11")
    session.commit()
    day = dt.date(2026, 11, 20)
    error = refused(session, lambda s: billing.record_payment(s, _staff(s, cast), cast.maker, 100, day, "BANK-CLOSED"))
    assert "2026-11已结账" in error.message and error.fields["posted_on"] == "该月已结账。"
    other = _packs(session, cast, "10")[0]
    error = refused(session, lambda s: billing.bill_deposits(s, user(s, cast.maker_email), [other], on=day))
    assert "已结账" in error.message
    error = refused(
        session,
        lambda s: corrections.propose(
            s, _staff(s, cast), "recycling_fund D 1\nrefunds_payable:1 C 1", "调账", "2026-11-30"
        ),
    )
    assert "已结账" in error.message
    # A month that has not ended cannot be closed, nor one closed already.
    assert "已经过去" in refused(session, lambda s: corrections.close_month(s, _staff(s, cast), "2026-12")).message
    assert "已结账" in refused(session, lambda s: corrections.close_month(s, _staff(s, cast), "2026-11")).message
    # December is open: the same payment dated today goes through.
    billing.record_payment(session, _staff(session, cast), cast.maker, 100, clock.today(), "BANK-CLOSED")
    session.commit()
    helpers.check_independently(session)


def test_an_unbalanced_adjustment_is_refused(cast, session):
    lines = f"refunds_payable:{cast.maker} C 10.00\nrecycling_fund D 9.99"
    error = refused(session, lambda s: corrections.propose(s, _staff(s, cast), lines, "错账更正"))
    assert "借贷不平衡" in error.message and "借方9.99" in error.message and "贷方10.00" in error.fields["lines"]
    one_line = refused(session, lambda s: corrections.propose(s, _staff(s, cast), "recycling_fund D 1", "更正"))
    assert "至少需要两行" in one_line.message
    banned = refused(
        session, lambda s: corrections.propose(s, _staff(s, cast), "escrow_bank D 1\nrecycling_fund C 1", "更正")
    )
    assert "只能调整应付退款" in banned.fields["lines"]
    no_reason = refused(session, lambda s: corrections.propose(s, _staff(s, cast), lines, "  "))
    assert no_reason.fields["reason"] == "请填写原因。"


def test_nobody_approves_their_own_adjustment(cast, session):
    code = _packs(session, cast)[0]
    _bill(session, cast, code)
    helpers.retire(session, cast, code, "outlet")
    helpers.take_in(session, cast, code, "outlet")
    session.commit()
    lines = f"refunds_payable:{cast.operator} D 10.00\nrecycling_fund C 10.00"
    adjustment = corrections.propose(session, _staff(session, cast), lines, "网点放弃部分奖励")
    session.commit()
    adjustment_id = adjustment.id
    error = refused(session, lambda s: corrections.approve(s, _staff(s, cast), adjustment_id), kind=Forbidden)
    assert "不能核准或驳回自己提出的调整" in error.message
    refused(session, lambda s: corrections.reject(s, _staff(s, cast), adjustment_id, "不同意"), kind=Forbidden)
    member = refused(
        session, lambda s: corrections.approve(s, user(s, cast.maker_email), adjustment_id), kind=Forbidden
    )
    assert member.message
    txn_id = corrections.approve(session, _staff(session, cast, other=True), adjustment_id)
    session.commit()
    assert session.get(LedgerTransaction, txn_id).kind == "adjustment"
    again = refused(session, lambda s: corrections.approve(s, _staff(s, cast, other=True), adjustment_id))
    assert "已处理" in again.message
    helpers.check_independently(session)


def test_an_adjustment_that_would_overdraw_an_account_is_refused_on_approval(cast, session):
    lines = f"refunds_payable:{cast.operator} D 10.00\nrecycling_fund C 10.00"
    adjustment_id = corrections.propose(session, _staff(session, cast), lines, "更正").id
    session.commit()
    error = refused(session, lambda s: corrections.approve(s, _staff(s, cast, other=True), adjustment_id))
    assert "应付退款不能为负" in error.message


def test_a_payout_above_what_is_payable_is_refused(cast, session):
    code = _packs(session, cast, "60")[0]
    _bill(session, cast, code)
    helpers.retire(session, cast, code, "outlet")
    helpers.take_in(session, cast, code, "outlet")
    session.commit()
    payer_part, collector_part = expected_split(expected_deposit("60"))
    # Approved but not yet received: the escrow account cannot pay it.
    error = refused(
        session, lambda s: refunds.pay_out(s, _staff(s, cast), cast.maker, payer_part, clock.today(), "OUT-1")
    )
    assert "押金专户余额" in error.message
    _paid(session, cast, expected_deposit("60"))
    error = refused(
        session, lambda s: refunds.pay_out(s, _staff(s, cast), cast.maker, payer_part + 1, clock.today(), "OUT-1")
    )
    assert "支付金额超过该单位的应付退款" in error.message and "960.00" in error.message
    nothing_due = refused(
        session, lambda s: refunds.pay_out(s, _staff(s, cast), cast.stranger, 1, clock.today(), "OUT-2")
    )
    assert "0.00" in nothing_due.message
    by_member = refused(
        session,
        lambda s: refunds.pay_out(s, user(s, cast.maker_email), cast.maker, 1, clock.today(), "OUT-3"),
        kind=Forbidden,
    )
    assert by_member.message
    refunds.pay_out(session, _staff(session, cast), cast.maker, payer_part, clock.today(), "OUT-1")
    refunds.pay_out(session, _staff(session, cast), cast.operator, collector_part, clock.today(), "OUT-2")
    session.commit()
    assert helpers.check_independently(session)["escrow_bank"] == 0


def test_a_deposit_for_an_unknown_pack_is_refused(cast, session):
    from tests.factories import battery_code

    unknown = battery_code()
    error = refused(session, lambda s: billing.bill_deposits(s, user(s, cast.maker_email), [unknown], batch=False))
    assert f"没有找到编码为 {unknown}" in error.fields["code"]
    known = _packs(session, cast)[0]
    # In a batch, one bad code refuses the whole batch, and the report names it by its row.
    error = refused(session, lambda s: billing.bill_deposits(s, user(s, cast.maker_email), [known, unknown]))
    assert "整批均未写入" in error.message and list(error.fields) == ["items.1.code"]
    assert (
        "请填写电池编码"
        in refused(session, lambda s: billing.bill_deposits(s, user(s, cast.maker_email), [""], batch=False)).fields[
            "code"
        ]
    )
    assert (
        "没有要计收押金" in refused(session, lambda s: billing.bill_deposits(s, user(s, cast.maker_email), [])).message
    )


def test_a_deposit_for_another_members_pack_is_refused_like_an_unknown_one(cast, session):
    code = _packs(session, cast)[0]
    error = refused(session, lambda s: billing.bill_deposits(s, user(s, cast.stranger_email), [code], batch=False))
    assert f"没有找到编码为 {code}" in error.fields["code"]  # it learns nothing of the maker's pack
    # Nor may staff bill it to a member that never made or held it.
    error = refused(
        session,
        lambda s: billing.bill_deposits(s, _staff(s, cast), [code], payer_enterprise_id=cast.stranger, batch=False),
    )
    assert f"没有找到编码为 {code}" in error.fields["code"]
    assert (
        "请选择缴纳押金的会员单位"
        in refused(session, lambda s: billing.bill_deposits(s, _staff(s, cast), [code])).message
    )


def test_a_module_or_a_cell_carries_no_deposit_of_its_own(cast, session):
    from portal.registry.services import BatteryInput, register_batteries
    from tests.factories import battery_code

    pack = _packs(session, cast, fit=False)[0]
    module, cell = battery_code(product="M"), battery_code(product="C")
    register_batteries(
        session,
        user(session, cast.maker_email),
        [
            BatteryInput(code=module, rated_capacity_kwh="5", mass_kg=40, pack_code=pack),
            BatteryInput(code=cell, rated_capacity_kwh="0.3", mass_kg=2, pack_code=module),
        ],
    )
    session.commit()
    for code in (module, cell):
        error = refused(
            session, lambda s, c=code: billing.bill_deposits(s, user(s, cast.maker_email), [c], batch=False)
        )
        assert "押金按电池包计收" in error.fields["code"]


def test_no_deposit_is_billed_without_a_rule_in_force(cast, session):
    code = _packs(session, cast)[0]
    before_rule = dt.date(2026, 11, 1)
    error = refused(session, lambda s: billing.bill_deposits(s, user(s, cast.maker_email), [code], on=before_rule))
    assert "尚无生效的规则" in error.message and "2026-11-01" in error.message


def test_no_deposit_is_billed_for_a_chemistry_the_rule_gives_no_rate(app, session):
    cast = helpers.build_cast(session, rates={"ncm": "30"})
    code = _packs(session, cast)[0]  # LFP
    error = refused(session, lambda s: billing.bill_deposits(s, user(s, cast.maker_email), [code], batch=False))
    assert "未规定磷酸铁锂电池的费率" in error.fields["code"]


def test_a_second_bill_and_a_retired_pack_are_refused(cast, session):
    first, retired = _packs(session, cast, "60", "60")
    _bill(session, cast, first)
    assert (
        "已于2026-11-02计收"
        in refused(session, lambda s: billing.bill_deposits(s, user(s, cast.maker_email), [first], batch=False)).fields[
            "code"
        ]
    )
    assert (
        "本批中重复"
        in refused(session, lambda s: billing.bill_deposits(s, user(s, cast.maker_email), [retired, retired])).fields[
            "items.1.code"
        ]
    )
    helpers.retire(session, cast, retired, "outlet")
    session.commit()
    assert (
        "不能再计收押金"
        in refused(
            session, lambda s: billing.bill_deposits(s, user(s, cast.maker_email), [retired], batch=False)
        ).fields["code"]
    )


def test_a_payment_above_what_is_receivable_is_refused(cast, session):
    code = _packs(session, cast, "60")[0]
    _bill(session, cast, code)
    error = refused(
        session,
        lambda s: billing.record_payment(s, _staff(s, cast), cast.maker, "1200.01", clock.today(), "BANK-1"),
    )
    assert "到账金额超过该单位的应收押金（1,200.00元）" in error.message
    for amount, field in (("0", "amount"), ("-5", "amount"), ("12.345", "amount"), ("abc", "amount")):
        bad = refused(
            session, lambda s, a=amount: billing.record_payment(s, _staff(s, cast), cast.maker, a, clock.today(), "B-2")
        )
        assert field in bad.fields, (amount, bad.fields)
    future = refused(
        session,
        lambda s: billing.record_payment(
            s, _staff(s, cast), cast.maker, 1, clock.today() + dt.timedelta(days=1), "BANK-1"
        ),
    )
    assert "不能晚于今天" in future.message
    by_member = refused(
        session,
        lambda s: billing.record_payment(s, user(s, cast.maker_email), cast.maker, 1, clock.today(), "BANK-1"),
        kind=Forbidden,
    )
    assert by_member.message


def test_a_bank_reference_is_recorded_once(cast, session):
    code = _packs(session, cast, "60")[0]
    _bill(session, cast, code)
    _paid(session, cast, 50000, "ICBC 2026-0001")
    for typed in ("ICBC 2026-0001", "icbc2026-0001", " Icbc 2026 -0001 "):
        error = refused(
            session, lambda s, t=typed: billing.record_payment(s, _staff(s, cast), cast.maker, 100, clock.today(), t)
        )
        assert "ICBC2026-0001已经记账" in error.message and error.fields["reference"] == "该流水号已记账。"
    assert (
        "请填写银行流水号"
        in refused(
            session, lambda s: billing.record_payment(s, _staff(s, cast), cast.maker, 100, clock.today(), "  ")
        ).message
    )


# --- what decides the amounts ------------------------------------------------------------------


def test_the_rule_in_force_on_the_billing_day_decides_the_deposit_for_its_whole_life(cast, session, at):
    old_pack, new_pack = _packs(session, cast, "60", "60")
    at("2026-11-20 09:00")
    _bill(session, cast, old_pack)
    rules.add_rule(
        session,
        system("test"),
        rules.RuleInput(
            effective_from="2026-12-01",
            collector_share_percent="50",
            forfeit_after_days="400",
            yuan_per_kwh={"lfp": "25"},
        ),
    )
    session.commit()
    at("2026-12-02 09:00")
    _bill(session, cast, new_pack)
    old, new = _deposit(session, old_pack), _deposit(session, new_pack)
    assert (old.amount_fen, new.amount_fen) == (120000, 150000)
    assert old.rule_id == cast.rule_id and new.rule_id != cast.rule_id
    for code in (old_pack, new_pack):
        helpers.retire(session, cast, code, "outlet")
        helpers.take_in(session, cast, code, "outlet")
    session.commit()
    found = helpers.check_independently(session)
    # The old deposit keeps its 20 %, the new one takes the new 50 %.
    assert found[f"refunds_payable:{cast.operator}"] == 120000 * 20 // 100 + 150000 // 2
    assert found[f"refunds_payable:{cast.maker}"] == 120000 * 80 // 100 + 150000 // 2
    assert _deposit(session, old_pack).amount_fen == 120000
    helpers_verify(session)


def test_a_rule_cannot_be_made_to_reach_back(cast, session, at):
    at("2026-11-20 09:00")
    error = refused(
        session,
        lambda s: rules.add_rule(
            s,
            system("test"),
            rules.RuleInput(
                effective_from="2026-11-10",
                collector_share_percent="50",
                forfeit_after_days="400",
                yuan_per_kwh={"lfp": "25"},
            ),
        ),
    )
    assert "不能早于今天" in error.fields["effective_from"]


@pytest.mark.parametrize(
    "kwh",
    ["0.500", "2.500", "12.345", "1.005", "0.015", "0.025", "99.995", "150.000", "7.135"],
)
def test_amounts_round_half_up_for_the_deposit_and_down_for_the_collector(app, session, kwh):
    cast = helpers.build_cast(session, rates={"lfp": "0.37"}, share="33.33")
    code = _packs(session, cast, kwh)[0]
    deposit = _bill(session, cast, code)[0]
    exact = Decimal(kwh) * 37
    assert deposit.amount_fen == expected_deposit(kwh, 37)
    assert abs(deposit.amount_fen - exact) <= Decimal("0.5")
    if exact % 1 == Decimal("0.5"):
        assert deposit.amount_fen == exact + Decimal("0.5")  # half up, never to even
    helpers.retire(session, cast, code, "outlet")
    helpers.take_in(session, cast, code, "outlet")
    session.commit()
    found = helpers.check_independently(session)
    payer, collector = found[f"refunds_payable:{cast.maker}"], found.get(f"refunds_payable:{cast.operator}", 0)
    assert payer + collector == deposit.amount_fen
    assert collector == deposit.amount_fen * 3333 // 10000 <= deposit.amount_fen * Decimal("0.3333")
    helpers_verify(session)


def test_a_pack_whose_deposit_rounds_to_nothing_is_refused_by_name(app, session):
    """0.005 kWh at 0.37 yuan per kWh is 0.185 fen: half up gives 0, which no line may carry."""
    cast = helpers.build_cast(session, rates={"lfp": "0.37"}, share="33.33")
    tiny, fine = _packs(session, cast, "0.005", "0.015")
    error = refused(session, lambda s: billing.bill_deposits(s, user(s, cast.maker_email), [fine, tiny]))
    assert list(error.fields) == ["items.1.code"] and "不足1分" in error.fields["items.1.code"]
    assert _bill(session, cast, fine)[0].amount_fen == 1


def test_a_refund_through_a_non_compliant_outlet_waits_for_a_whitelisted_recycler(cast, session):
    code = _packs(session, cast, "60")[0]
    _bill(session, cast, code)
    helpers.retire(session, cast, code, "poor_outlet")
    helpers.take_in(session, cast, code, "outlet")  # the operator takes it in at the outlet not rated 合规
    session.commit()
    assert _settlements(session, code) == [] and _deposit(session, code).status == "open"
    item = {"code": code, "event": "outlet_dispatch", "counterparty_credit_code": cast.recycler_code}
    helpers.report(session, cast.operator_email, [item])
    helpers.take_in(session, cast, code, "recycler")
    session.commit()
    deposit = _deposit(session, code)
    assert (deposit.status, deposit.collector_enterprise_id) == ("refunded", cast.recycler)
    found = helpers.check_independently(session)
    assert found[f"refunds_payable:{cast.recycler}"] == 24000 and f"refunds_payable:{cast.operator}" not in found
    helpers_verify(session)


def test_an_intake_by_a_recycler_off_the_whitelist_refunds_nothing(cast, session):
    code = _packs(session, cast, "60")[0]
    _bill(session, cast, code)
    helpers.retire(session, cast, code, "stranger")
    helpers.take_in(session, cast, code, "stranger")
    session.commit()
    assert _settlements(session, code) == [] and _deposit(session, code).status == "open"


def test_forfeiture_runs_twice_and_forfeits_once(cast, session, at, runner):
    kept, lost = _packs(session, cast, "60", "60")
    _bill(session, cast, kept, lost)
    helpers.retire(session, cast, lost, "stranger")
    session.commit()
    at("2027-11-02 09:00")  # 365 days later: not yet past the period
    assert refunds.forfeit_due(session, system("test")) == 0
    session.commit()
    at("2027-11-03 11:00")
    first = runner.invoke(args=["ledger", "forfeit"])
    second = runner.invoke(args=["ledger", "forfeit"])
    assert (first.exit_code, second.exit_code) == (0, 0), (first.output, second.output)
    assert "forfeited 1 " in first.output and "forfeited 0 " in second.output
    assert refunds.forfeit_due(session, system("test")) == 0
    session.commit()
    assert [t.kind for t in _settlements(session, lost)] == ["forfeit"] and _settlements(session, kept) == []
    found = helpers.check_independently(session)
    assert found["recycling_fund"] == 120000 and found[f"deposits_held:{cast.maker}"] == 120000
    helpers_verify(session)


def helpers_verify(session) -> None:
    from portal.ledger.verify import verify

    session.rollback()
    report = verify(session)
    assert report.ok, report.problems
