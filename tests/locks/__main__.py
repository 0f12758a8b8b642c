"""`tox -e lock`: compile every lock from its input, keeping the pins that still
fit. `tox -e lock -- --upgrade` takes the newest releases the inputs allow;
`-- --upgrade-package NAME` only those of NAME."""

import sys

from tests.locks.locks import LOCKS, ROOT, compile_lock

for lock in LOCKS:
    compile_lock(lock, ROOT / lock.output, *sys.argv[1:])
