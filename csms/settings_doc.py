"""config/default.toml, written from the settings dataclasses (their defaults and help texts).

``python -m csms.settings_doc > config/default.toml`` regenerates it; a test checks the file is what
this writes, so the file, ``csms serve --help`` and the code never disagree."""

from __future__ import annotations

import dataclasses
import json
import sys
import textwrap

from csms.settings import SECTIONS, env_name, flag_name

HEADER = """\
# Defaults for every setting. Precedence: command-line flag > environment variable (CSMS_...)
# > --config FILE (TOML, same layout) > this file.
# Written by `python -m csms.settings_doc` from the help texts in csms/settings.py: edit those, not this.
"""


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)     # a TOML basic string for what settings hold


def default_of(f: dataclasses.Field):
    return f.default if f.default is not dataclasses.MISSING else f.metadata.get("example")


def render() -> str:
    out = [HEADER]
    for section, cls in SECTIONS.items():
        out.append(f"\n[{section}]\n")
        for f in dataclasses.fields(cls):
            note = f"{f.metadata['help']} ({env_name(section, f)}, {flag_name(section, f)})"
            out.extend(f"# {line}\n" for line in textwrap.wrap(note, 98, break_on_hyphens=False, break_long_words=False))
            out.append(f"{f.name} = {toml_value(default_of(f))}\n")
    return "".join(out)


if __name__ == "__main__":      # pragma: no cover
    sys.stdout.write(render())
