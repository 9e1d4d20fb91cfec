#!/usr/bin/env python3
# The device measurement behind the WAL's zero-ahead (docs/wal-format.md, "Pre-allocation and zero-ahead"):
# N threads (one per file), each appending 4 KiB with pwrite then fdatasync for 3 s, into a 64 MiB file prepared as
#   sparse  ftruncate only (a hole: the first write of each block allocates it),
#   zero    written with zeros and fsynced first (blocks allocated and written),
#   falloc  posix_fallocate (blocks allocated as unwritten extents).
# Prints fsyncs per second per file and the mean fdatasync time. Writes its files in the current folder.
#   python3 bench/scripts/fsync-probe.py sparse|zero|falloc 1|2
import os, sys, threading, time

mode, nfiles, seconds = sys.argv[1], int(sys.argv[2]), 3

def prepare(path):
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    size = 64 << 20
    if mode == 'zero':
        block = b'\0' * (1 << 20)
        for i in range(64): os.pwrite(fd, block, i << 20)
    elif mode == 'falloc':
        os.posix_fallocate(fd, 0, size)
    else:
        os.ftruncate(fd, size)
    os.fsync(fd)
    return fd

fds = [prepare(f'fsync-probe-{i}.tmp') for i in range(nfiles)]
counts, spent, stop = [0] * nfiles, [0.0] * nfiles, False

def run(i):
    fd, offset, data = fds[i], 0, b'x' * 4096
    while not stop:
        os.pwrite(fd, data, offset)
        offset += 4096
        t = time.perf_counter()
        os.fdatasync(fd)
        spent[i] += time.perf_counter() - t
        counts[i] += 1

threads = [threading.Thread(target=run, args=(i,)) for i in range(nfiles)]
for t in threads: t.start()
time.sleep(seconds)
stop = True
for t in threads: t.join()
for i in range(nfiles): os.close(fds[i]); os.remove(f'fsync-probe-{i}.tmp')
print(mode, nfiles, 'fsyncs/s per file', [c // seconds for c in counts],
      'fdatasync us', [round(spent[i] / counts[i] * 1e6) for i in range(nfiles)])
