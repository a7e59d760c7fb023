"""Posting to the journal: balanced lines, a key per cause, the hash chain, accounts that never go negative.

Every writer appends in turn: on PostgreSQL it takes the journal table's EXCLUSIVE lock here, just
before it reads the chain's head and checks keys and balances (readers go on; a writer that runs at
READ COMMITTED, see ``uow.serialised``, then reads every earlier writer's commit), on SQLite it holds
the database's write lock from its start. A transaction's id is its place in the chain (the last
id + 1), and its hash covers its content and the previous transaction's hash, so a row changed
behind the application's back breaks the chain from there on (``portal.ledger.verify``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import BigInteger, String, bindparam, insert, literal, select, text, union_all, update
from sqlalchemy.orm import Session

from portal.core import clock, money
from portal.core.actors import actor_label
from portal.core.pipeline import pipelined
from portal.errors import Conflict, DomainError
from portal.ledger import accounts
from portal.ledger.models import ClosedMonth, LedgerAccount, LedgerLine, LedgerTransaction

GENESIS = "0" * 64
JOURNAL = "ledger_transactions"
LOCKS = (JOURNAL,)  # for ``uow.serialised`` and ``run_in_transaction(locks=...)``


@dataclass(frozen=True)
class Line:
    """One line of a posting: an account code, D or C, a positive amount in fen."""

    account: str
    side: str
    amount_fen: int


@dataclass(frozen=True)
class Posting:
    """A transaction to post. ``key`` names its cause, so the same cause can never post twice."""

    key: str
    kind: str
    posted_on: dt.date
    lines: tuple[Line, ...]
    battery_id: int | None = None
    enterprise_id: int | None = None
    reverses_id: int | None = None
    reference: str = ""
    memo: str = ""


class AlreadyPosted(Conflict):
    """The key was posted before: the operation happened already."""

    def __init__(self, key: str, transaction_id: int) -> None:
        super().__init__(_("这笔业务已经记账（第%(id)d号凭证），不会重复记账。", id=transaction_id))
        self.key, self.transaction_id = key, transaction_id


# The fields a hash covers, in this order (a JSON array: unambiguous, and cheap to build 100,000 times).
CANONICAL_FIELDS = (
    "id",
    "key",
    "kind",
    "posted_on",
    "battery_id",
    "enterprise_id",
    "reverses_id",
    "reference",
    "memo",
    "actor",
    "created_at",
    "lines",
)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # made once: verify hashes 100,000s


def utc_iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(txn_id: int, posting: Posting, actor: str, created_at: dt.datetime) -> bytes:
    """The bytes a transaction's hash covers, from a posting (``stored_hash`` makes them from stored rows)."""
    return _content(txn_id, hash_parts(posting, actor), _ENCODER.encode(utc_iso(created_at)).encode())


def hash_parts(posting: Posting, actor: str) -> tuple[bytes, bytes]:
    """What ``canonical`` writes between the id and created_at, and the lines: neither depends on the chain's
    head, so ``post_many`` makes them before it takes the lock."""
    middle = _ENCODER.encode(
        [
            posting.key,
            posting.kind,
            posting.posted_on.isoformat(),
            posting.battery_id,
            posting.enterprise_id,
            posting.reverses_id,
            posting.reference,
            posting.memo,
            actor,
        ]
    )
    lines = _ENCODER.encode([[line.account, line.side, line.amount_fen] for line in posting.lines])
    return middle[1:-1].encode(), lines.encode()


def _content(txn_id: int, parts: tuple[bytes, bytes], created_at: bytes) -> bytes:
    """The CANONICAL_FIELDS array as ``canonical_values`` writes it, from the parts (created_at as JSON text)."""
    return b"[%d,%s,%s,%s]" % (txn_id, parts[0], created_at, parts[1])


def canonical_values(*values) -> bytes:
    """The CANONICAL_FIELDS as a compact JSON array, UTF-8 (dates as ISO text, created_at in UTC)."""
    return _ENCODER.encode(values).encode()


def chain_hash(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + content).hexdigest()


def stored_hash(txn, lines: Sequence[Line], prev_hash: str) -> str:
    """The hash a stored transaction should carry: its columns as attributes (``posted_on`` and
    ``created_at`` as the ISO text ``canonical`` writes), its lines in order."""
    content = canonical_values(
        txn.id,
        txn.key,
        txn.kind,
        txn.posted_on,
        txn.battery_id,
        txn.enterprise_id,
        txn.reverses_id,
        txn.reference,
        txn.memo,
        txn.actor_label,
        txn.created_at,
        [[line.account, line.side, line.amount_fen] for line in lines],
    )
    return chain_hash(prev_hash, content)


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def check_shape(posting: Posting) -> None:
    """Two lines or more, known accounts, positive integer amounts, debits equal to credits."""
    if len(posting.lines) < 2:
        raise DomainError(_("一笔凭证至少需要两行（借方与贷方）。"))
    for line in posting.lines:
        if accounts.parse(line.account) is None:
            raise DomainError(_("未知的账户：%(code)s。", code=line.account))
        if line.side not in ("D", "C"):
            raise DomainError(_("借贷方向应为 D（借）或 C（贷）。"))
        if not isinstance(line.amount_fen, int) or isinstance(line.amount_fen, bool) or line.amount_fen <= 0:
            raise DomainError(_("每行金额应为正整数（分）。"))
    debits = sum(line.amount_fen for line in posting.lines if line.side == "D")
    credits = sum(line.amount_fen for line in posting.lines if line.side == "C")
    if debits != credits:
        raise DomainError(
            _("借贷不平衡：借方%(d)s，贷方%(c)s。", d=money.format_fen(debits), c=money.format_fen(credits))
        )


def lock(session: Session) -> None:
    """Take the journal's write lock (PostgreSQL; SQLite writers already hold the database's)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(LOCK_PG)


def closed_months(session: Session) -> set[str]:
    return set(session.scalars(select(ClosedMonth.month)))


def head(session: Session) -> tuple[int, str]:
    """The last transaction's id and hash (0 and the genesis hash for an empty journal)."""
    row = session.execute(
        select(LedgerTransaction.id, LedgerTransaction.hash).order_by(LedgerTransaction.id.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS)


@dataclass
class Book:
    """What a posting decides on, read under the lock: the head, keys already posted, closed months, accounts."""

    last_id: int = 0
    prev_hash: str = GENESIS
    posted: dict[str, int] = field(default_factory=dict)  # key -> transaction id
    closed: set[str] = field(default_factory=set)
    accounts: dict[str, dict] = field(default_factory=dict)  # code -> {id, normal, debits, credits}


def _book_query():
    t, a, m = LedgerTransaction.__table__, LedgerAccount.__table__, ClosedMonth.__table__
    top = select(t.c.id, t.c.hash).order_by(t.c.id.desc()).limit(1).subquery()
    none, zero = literal(None, String), literal(0, BigInteger)
    keys, months, codes = (bindparam(name, expanding=True) for name in ("keys", "months", "codes"))
    return union_all(
        select(literal("h", String), top.c.id, top.c.hash, none, zero, zero),
        select(literal("k", String), t.c.id, t.c.key, none, zero, zero).where(t.c.key.in_(keys)),
        select(literal("m", String), zero, m.c.month, none, zero, zero).where(m.c.month.in_(months)),
        select(literal("a", String), a.c.id, a.c.code, a.c.normal, a.c.debits_fen, a.c.credits_fen).where(
            a.c.code.in_(codes)
        ),
    )


# Built once (every posting runs them): the read under the lock, and the accounts' update.
BOOK = _book_query()
KEYS = select(LedgerTransaction.key, LedgerTransaction.id).where(
    LedgerTransaction.key.in_(bindparam("keys", expanding=True))
)
LOCK_PG = text(f'LOCK TABLE "{JOURNAL}" IN EXCLUSIVE MODE')
UPDATE_ACCOUNTS = (
    update(LedgerAccount.__table__)
    .where(LedgerAccount.__table__.c.id == bindparam("account_id"))
    .values(debits_fen=bindparam("debits"), credits_fen=bindparam("credits"))
)


def read_book(session: Session, keys: Sequence[str], months: set[str], codes: set[str]) -> Book:
    """The head, the keys (the first 900) and months among those given, and the accounts named: one round trip."""
    book = Book()
    params = {"keys": list(keys[:900]), "months": sorted(months), "codes": sorted(codes)}
    for kind, id_, name, normal, debits, credits in session.execute(BOOK, params):
        if kind == "h":
            book.last_id, book.prev_hash = id_, name
        elif kind == "k":
            book.posted[name] = id_
        elif kind == "m":
            book.closed.add(name)
        else:
            book.accounts[name] = {"id": id_, "normal": normal, "debits": debits, "credits": credits}
    for start in range(900, len(keys), 900):  # only batches of more than 900 postings
        book.posted.update(dict(session.execute(KEYS, {"keys": list(keys[start : start + 900])}).all()))
    return book


def _open_accounts(session: Session, found: dict[str, dict], codes: set[str]) -> dict[str, dict]:
    """The accounts named, created where missing: code -> {id, normal, debits, credits}."""
    for missing in sorted(codes - set(found)):
        kind, enterprise_id = accounts.parse(missing)  # type: ignore[misc]
        normal = accounts.NORMAL[kind]
        new_id = session.execute(
            insert(LedgerAccount)
            .values(code=missing, kind=kind, enterprise_id=enterprise_id, normal=normal, debits_fen=0, credits_fen=0)
            .returning(LedgerAccount.id)
        ).scalar_one()
        found[missing] = {"id": new_id, "normal": normal, "debits": 0, "credits": 0}
    return found


def balance_of(account: dict) -> int:
    return (
        account["debits"] - account["credits"] if account["normal"] == "D" else account["credits"] - account["debits"]
    )


def post_many(
    session: Session,
    actor,
    postings: Sequence[Posting],
    *,
    demo: bool = False,
    along: Callable[[list[int]], None] | None = None,
) -> list[int]:
    """Post transactions in order, all or none; returns their ids. Raises AlreadyPosted for a key seen before.

    ``along(ids)`` writes rows that carry the new ids (a deposit's billing transaction): its statements
    go in the same round trip as the journal's, so they must not read results (no RETURNING)."""
    if not postings:
        return []
    for posting in postings:
        check_shape(posting)
    keys = [p.key for p in postings]
    if len(set(keys)) != len(keys):
        raise DomainError(_("同一批次中有重复的业务。"))
    codes = {line.account for p in postings for line in p.lines}
    label = actor_label(actor)
    # What does not depend on the head (the rows but their ids and hashes, the hashes' content but the
    # id and time) is made before the lock: writers wait for each other on it until the commit.
    drafts = [_draft(posting, label, demo) for posting in postings]
    lock(session)
    state = read_book(session, keys, {month_of(p.posted_on) for p in postings}, codes)
    for posting in postings:
        if month_of(posting.posted_on) in state.closed:
            raise DomainError(
                _("%(month)s已结账，不能再记入该月的凭证。", month=month_of(posting.posted_on)),
                {"posted_on": _("该月已结账。")},
            )
    for key in keys:
        if key in state.posted:
            raise AlreadyPosted(key, state.posted[key])
    book = _open_accounts(session, state.accounts, codes)
    last_id, prev_hash = state.last_id, state.prev_hash
    now = clock.now()
    stamp = _ENCODER.encode(utc_iso(now)).encode()
    txn_rows, line_rows, ids = [], [], []
    for posting, (row, parts) in zip(postings, drafts, strict=True):
        for line in posting.lines:
            account = book[line.account]
            account["debits" if line.side == "D" else "credits"] += line.amount_fen
            if balance_of(account) < 0:
                raise DomainError(_overdrawn(line.account, account))
        last_id += 1
        prev_hash, previous = chain_hash(prev_hash, _content(last_id, parts, stamp)), prev_hash
        ids.append(last_id)
        txn_rows.append({**row, "id": last_id, "created_at": now, "prev_hash": previous, "hash": prev_hash})
        line_rows.extend(
            {
                "transaction_id": last_id,
                "account_id": book[line.account]["id"],
                "side": line.side,
                "amount_fen": line.amount_fen,
            }
            for line in posting.lines
        )
    # Core inserts (many rows per statement), not the ORM's bulk path: a 10,000-pack batch is 30,000 rows.
    # Sent together (one round trip on PostgreSQL): the journal's lock is held until the commit.
    accounts_now = [{"account_id": a["id"], "debits": a["debits"], "credits": a["credits"]} for a in book.values()]
    with pipelined(session):
        session.execute(insert(LedgerTransaction.__table__).inline(), txn_rows)
        session.execute(insert(LedgerLine.__table__).inline(), line_rows)
        session.execute(UPDATE_ACCOUNTS, accounts_now)
        if along is not None:
            along(ids)
    return ids


def _draft(posting: Posting, label: str, demo: bool) -> tuple[dict, tuple[bytes, bytes]]:
    """A posting's transaction row but its id, time and hashes, and its hash's parts (``hash_parts``)."""
    row = {
        "key": posting.key,
        "kind": posting.kind,
        "posted_on": posting.posted_on,
        "battery_id": posting.battery_id,
        "enterprise_id": posting.enterprise_id,
        "reverses_id": posting.reverses_id,
        "reference": posting.reference,
        "memo": posting.memo,
        "actor_label": label,
        "is_demo": demo,
    }
    return row, hash_parts(posting, label)


def post(session: Session, actor, posting: Posting, *, demo: bool = False) -> int:
    """Post one transaction; returns its id."""
    return post_many(session, actor, [posting], demo=demo)[0]


def _overdrawn(code: str, account: dict) -> str:
    kind, _id = accounts.parse(code)  # type: ignore[misc]
    return _(
        "%(account)s不能为负：本笔记账后将为%(balance)s。",
        account=accounts.ACCOUNT_KINDS.label(kind),
        balance=money.format_fen(balance_of(account)),
    )


def mirror(txn: LedgerTransaction) -> tuple[Line, ...]:
    """The lines that undo a transaction's lines."""
    return tuple(Line(line.account.code, "C" if line.side == "D" else "D", line.amount_fen) for line in txn.lines)
