# scrapyd-deploy builds its egg with `python setup.py bdist_egg`; without this file it writes one of its
# own, which leaves an untracked setup.py behind. Everything about the package is in pyproject.toml.
from setuptools import setup

setup()
