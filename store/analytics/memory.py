"""Let a batch process keep freed memory for reuse: the metrics allocate many arrays of several MB each."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

# mallopt parameters (glibc malloc.h)
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3


@functools.cache
def reuse_freed_memory() -> bool:
    """Serve large arrays from the heap and keep freed memory instead of handing it back to the kernel.

    By default glibc maps every block over its threshold afresh and unmaps it when freed, so each
    temporary array of the metrics costs page faults on first touch: close to half the CPU time of a
    full metric set. For the `workstation metrics` process, which exits when done, keeping the
    memory is the right trade. Not for the long-running app. False where the C library is not glibc.
    """
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        settings = ((_M_MMAP_THRESHOLD, 1 << 30), (_M_TRIM_THRESHOLD, 1 << 31), (_M_TOP_PAD, 1 << 28))
        return all(libc.mallopt(parameter, value) == 1 for parameter, value in settings)
    except (OSError, AttributeError):
        return False
