from __future__ import annotations

import pytest

from csms.services.operators import OperatorService
from tests.fakes import FakeOperatorRepository


@pytest.fixture
def operators():
    return FakeOperatorRepository()


@pytest.fixture
def service(operators):
    return OperatorService(operators)


async def test_a_created_operator_logs_in_with_the_right_password(service):
    created = await service.create("alice", "s3cret-pass")

    assert created.password_hash != "s3cret-pass"
    assert await service.login("alice", "s3cret-pass") == created


@pytest.mark.parametrize("username,password", [("alice", "wrong"), ("alice", ""), ("bob", "s3cret-pass")])
async def test_login_fails_with_a_wrong_password_or_user(service, username, password):
    await service.create("alice", "s3cret-pass")

    assert await service.login(username, password) is None


async def test_a_deactivated_operator_cannot_log_in(service, operators):
    op = await service.create("alice", "s3cret-pass")
    await operators.update(op.id, active=False)

    assert await service.login("alice", "s3cret-pass") is None


async def test_ensure_admin_creates_the_admin_only_once(service, operators):
    first = await service.ensure_admin("root", "first-password")
    second = await service.ensure_admin("root2", "second-password")

    assert first.role == "admin"
    assert second is None
    assert await operators.count("admin") == 1
    assert await service.login("root", "first-password") == first


async def test_ensure_admin_without_a_username_does_nothing(service, operators):
    assert await service.ensure_admin("", "whatever") is None
    assert await operators.count() == 0


async def test_ensure_admin_does_not_take_over_an_existing_operators_name(service, operators):
    await service.create("root", "operator-password")

    assert await service.ensure_admin("root", "admin-password") is None
    assert await operators.count("admin") == 0
    assert (await service.login("root", "operator-password")).role == "operator"
