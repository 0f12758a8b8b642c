"""`tox -e bench`: the benchmark of issue 5 (see README.md here)."""
