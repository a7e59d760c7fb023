"""Password hashing and the password rules, without HTTP."""

from __future__ import annotations

import pytest
from argon2 import Type as Argon2Type
from argon2 import extract_parameters

from portal.auth import services
from portal.errors import Conflict, DomainError
from tests.factories import make_user


def test_hashes_are_argon2id_with_owasp_parameters(session, production_hasher):
    user = make_user(session, "staff", password="long-enough-password")

    params = extract_parameters(user.password_hash)

    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert params.type is Argon2Type.ID
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19456, 2, 1)
    assert "long-enough-password" not in user.password_hash


def test_the_same_password_hashes_differently_each_time():
    first, second = services.hash_password("same-password-1"), services.hash_password("same-password-1")

    assert first != second
    assert services.check_password_hash(first, "same-password-1")
    assert services.check_password_hash(second, "same-password-1")
    assert not services.check_password_hash(first, "same-password-2")


def test_a_damaged_hash_never_matches():
    assert not services.check_password_hash("not-a-hash", "anything")


@pytest.mark.parametrize("password", ["", "short", "123456789", "九个字符的密码不够长"[:9]])
def test_passwords_under_ten_characters_are_refused(session, password):
    with pytest.raises(DomainError) as caught:
        make_user(session, "staff", password=password)

    assert caught.value.fields["password"] == "密码至少需要10个字符。"


def test_ten_characters_are_enough(session):
    user = make_user(session, "staff", password="abcdefghij")

    assert services.check_password_hash(user.password_hash, "abcdefghij")


def test_one_repeated_character_is_refused(session):
    with pytest.raises(DomainError, match="密码过于简单"):
        make_user(session, "staff", password="aaaaaaaaaaaa")


def test_an_address_registers_once_whatever_its_case(session):
    make_user(session, "staff", email="Someone@Example.cn")

    with pytest.raises(Conflict):
        make_user(session, "staff", email="someone@example.CN")


def test_invalid_addresses_are_refused(session):
    with pytest.raises(DomainError) as caught:
        make_user(session, "staff", email="not an address")

    assert "email" in caught.value.fields


def test_member_roles_need_an_enterprise(session):
    with pytest.raises(DomainError, match="企业用户必须属于一个企业"):
        make_user(session, "member_admin")
