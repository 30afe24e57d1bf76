"""Build step only (metadata lives in setup.cfg): a wheel carries what the package needs at run time
but keeps outside its directory in the source tree. ``csms/paths.py`` finds them:

- ``config/default.toml``   -> ``csms/_bundle/config/default.toml``
- ``migrations/`` (env.py, script.py.mako, versions/*.py) -> ``csms/_bundle/migrations/``
- ``console/dist/`` (the built operator console, when it was built before the wheel) -> ``csms/_console/``
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLED = (
    ("config", "csms/_bundle/config", ("default.toml",)),
    ("migrations", "csms/_bundle/migrations", ("env.py", "script.py.mako", "versions/*.py")),
    ("console/dist", "csms/_console", ("**/*",)),
)


class BuildWithBundle(build_py):
    def run(self):
        super().run()
        for source, target, patterns in BUNDLED:
            src, dst = HERE / source, Path(self.build_lib) / target
            if not src.is_dir():       # console/dist exists only when the console was built first
                continue
            shutil.rmtree(dst, ignore_errors=True)
            for pattern in patterns:
                for path in src.glob(pattern):
                    if path.is_file() and "__pycache__" not in path.parts:
                        out = dst / path.relative_to(src)
                        out.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(path, out)


setup(cmdclass={"build_py": BuildWithBundle})
