"""`csms wechat-emulator`'s options (api/cli.py, api/wechat_emulator.py); the process itself runs in
tests/e2e/test_wechat_down.py."""

from __future__ import annotations

import pytest

from api.cli import build_parser
from api.wechat_emulator import retry_delays


def test_retry_delays_are_seconds_separated_by_commas():
    assert retry_delays("0.5,1,2") == (0.5, 1.0, 2.0)
    assert retry_delays("") is None and retry_delays(None) is None       # WeChat's own schedule


@pytest.mark.parametrize("text", ["1,-2", "soon"])
def test_a_bad_schedule_is_refused(text):
    with pytest.raises(ValueError):
        retry_delays(text)


def test_the_command_takes_a_port_and_the_settings_flags():
    args = build_parser().parse_args(["wechat-emulator", "--port", "0", "--retry-delays", "1,2",
                                      "--data-dir", "/tmp/x"])
    assert (args.command, args.port, args.retry_delays, vars(args)["data.dir"]) == ("wechat-emulator", 0, (1.0, 2.0),
                                                                                      "/tmp/x")


def test_a_bad_schedule_on_the_command_line_is_one_line(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["wechat-emulator", "--retry-delays", "soon"])
    assert "expected seconds >= 0 separated by commas, got 'soon'" in capsys.readouterr().err
