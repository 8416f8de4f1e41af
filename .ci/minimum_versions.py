"""Print setup.cfg's install_requires with each lower bound pinned (numpy>=2.0 -> numpy==2.0).

CI installs these as constraints and runs the test suite once more, so the declared
lower bounds are versions the suite really passed with.
"""
import configparser
import pathlib
import re

config = configparser.ConfigParser()
config.read(pathlib.Path(__file__).parents[1] / "setup.cfg")
for line in config["options"]["install_requires"].splitlines():
    requirement = line.split("#")[0].strip()
    if requirement:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][0-9.]*)", requirement)
        if match is None:
            raise SystemExit(f"setup.cfg: {requirement!r} has no lower bound (name>=version)")
        print(f"{match[1]}=={match[2]}")
