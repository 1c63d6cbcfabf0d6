"""Adds the bundled story packs (stories/) and plugins (plugins/) to the wheel as ``adventure.stories`` and
``adventure.builtin_plugins``.

Everything else is configured in pyproject.toml; setuptools' package discovery cannot see a data folder
that lives outside ``adventure/``, so it is listed here.
"""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["adventure*"]) + ["adventure.stories", "adventure.builtin_plugins"])
