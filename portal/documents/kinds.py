"""The kinds of document the register numbers: each feature registers its own, at import, from its own folder."""

from __future__ import annotations

from dataclasses import dataclass

from portal.core.language import is_english


@dataclass(frozen=True)
class DocumentKind:
    code: str
    label_zh: str
    label_en: str
    prefix: str  # 2-4 letters starting each number of this kind

    def label(self, lang: str | None = None) -> str:
        return self.label_en if is_english(lang) else self.label_zh


KINDS: dict[str, DocumentKind] = {}


def register_kind(code: str, label_zh: str, label_en: str, prefix: str) -> DocumentKind:
    """Make a kind of document known to the register (idempotent for the same values)."""
    if not (2 <= len(prefix) <= 4 and prefix.isascii() and prefix.isalpha() and prefix.isupper()):
        raise ValueError(f"prefix {prefix!r}: 2-4 capital letters")
    kind = DocumentKind(code, label_zh, label_en, prefix)
    known = KINDS.get(code)
    if known is not None and known != kind:
        raise ValueError(f"document kind {code!r} is already registered differently")
    taken = {k.prefix: k.code for k in KINDS.values()}
    if taken.get(prefix, code) != code:
        raise ValueError(f"prefix {prefix!r} is already used by {taken[prefix]!r}")
    KINDS[code] = kind
    return kind


def get_kind(code: str) -> DocumentKind:
    try:
        return KINDS[code]
    except KeyError:
        raise ValueError(f"unknown document kind {code!r}: call register_kind first") from None


def kind_label(code: str, lang: str | None = None) -> str:
    kind = KINDS.get(code)
    return kind.label(lang) if kind else code


# The membership certificate is issued by portal.members, which is loaded before this package.
register_kind("membership_certificate", "会员证书", "Membership certificate", "HY")
