"""Stand-in for ansible-test's pip bootstrap script, for machines that reach only PyPI.

ansible-test downloads get-pip.py from a host outside the package registries to seed the
virtual environments of its sanity tests; it looks for a cached copy first
(~/.ansible/test/cache/get_pip_<version>.py). This file is installed there by
tools/sanity.sh: it bootstraps pip from the interpreter's bundled wheel (ensurepip) and then
lets that pip install the requested version from the package index, like get-pip.py does.
"""
import ensurepip
import subprocess
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}

ensurepip.bootstrap(upgrade=True)
args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *args]))
