"""The simulator answers every action the CSMS can send, in both versions.

What the CSMS can send is read from its code, not listed here: the generic ``calls/{Action}`` set
(csms.ocpp.frames.CSMS_INITIATED) and the action names its typed-command encoders put in the frames
(the ``ENCODERS`` tables of csms/ocpp/v16 and csms/ocpp/v201, read from their source: ocpp_actions.py).
Each must have a real ``on_<Action>`` handler on the simulator (not a NotSupported stub), and answer a
schema-valid request made from the action's JSON schema with a schema-valid CALLRESULT (the fake CSMS
validates it).
"""

from __future__ import annotations

import ast
import inspect
import textwrap

import pytest

from chargepoint_sim import ChargePoint16, ChargePoint201
from csms.ocpp import frames

from .fake_csms import CsmsCallError
from tests.support.ocpp_actions import (
    csms_actions,
    encoded_actions,
    in_sending_order,
    minimal_request,
)

VERSIONS = {"ocpp1.6": ChargePoint16, "ocpp2.0.1": ChargePoint201}


# ---------------------------------------------------------------------- what the simulator handles
def _is_stub(handler) -> bool:
    """A handler whose body raises CallError NotSupported / NotImplemented."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(handler)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
            first = node.exc.args[0]
            if isinstance(first, ast.Constant) and first.value in ("NotSupported", "NotImplemented"):
                return True
    return False


def handled_actions(cls) -> dict[str, object]:
    return {name[3:]: getattr(cls, name) for name in dir(cls)
            if name.startswith("on_") and inspect.iscoroutinefunction(getattr(cls, name))}


@pytest.mark.parametrize("version", list(VERSIONS))
def test_the_csms_side_is_read_from_its_code(version):
    encoded = encoded_actions(version)
    # the typed commands send only actions of the generic list, and cover most of it
    assert set(encoded) <= frames.CSMS_INITIATED[version], sorted(set(encoded) - frames.CSMS_INITIATED[version])
    assert len(encoded) >= 20
    assert {"Reset", "TriggerMessage", "GetLog"} <= set(encoded)


@pytest.mark.parametrize("version", list(VERSIONS))
def test_every_csms_initiated_action_has_a_real_handler(version):
    cls = VERSIONS[version]
    handlers = handled_actions(cls)
    wanted = csms_actions(version)
    missing = sorted(wanted - set(handlers))
    assert missing == [], f"{version}: the simulator answers NotSupported to {missing}"
    stubs = sorted(a for a in wanted if _is_stub(handlers[a]))
    assert stubs == [], f"{version}: stub handlers for {stubs}"
    assert wanted <= cls.known_actions  # and its own list of the version's CSMS actions agrees


# ---------------------------------------------------------------------- each answered for real
@pytest.fixture(params=list(VERSIONS))
async def station(request, csms, csms201, make_cp, make_cp201):
    fake, make = (csms, make_cp) if request.param == "ocpp1.6" else (csms201, make_cp201)
    cp = make("ALL", connectors=2)
    cp.feature_step_delay = 60.0  # the follow-up flows of transfers stay put while the test runs
    await cp.connect()
    return request.param, fake, cp


async def test_every_csms_action_gets_a_valid_answer(station):
    version, fake, cp = station
    actions = in_sending_order(version)
    answered = {}
    for action in actions:
        payload = minimal_request(version, action)
        try:
            answered[action] = await fake.call("ALL", action, payload)   # the fake CSMS validates the answer
        except CsmsCallError as exc:
            pytest.fail(f"{version} {action} {payload} answered CALLERROR {exc}")
    assert set(answered) == set(actions)
    assert fake.errors == []
    assert [a for a, _ in cp.received] == actions


async def test_a_known_action_without_handler_is_not_supported(csms, make_cp):
    class Partial(ChargePoint16):
        known_actions = ChargePoint16.known_actions | {"FutureAction"}

    cp = Partial(url=csms.url, cp_id="PART")
    try:
        await cp.connect()
        with pytest.raises(CsmsCallError) as info:
            await csms.call("PART", "FutureAction", {})
        assert info.value.code == "NotSupported"
    finally:
        await cp.close()
