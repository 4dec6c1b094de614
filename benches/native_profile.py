#!/usr/bin/env python3
"""Writes a gperftools CPU profile with N distinct sampled addresses inside
the functions of BINARY (a PIE ELF file), as if it had run at 0x555555554000:
the input of the symbolization speed comparison in README (`pprof-tools
-top BINARY OUT` beside `go tool pprof -top -symbolize=local BINARY OUT`).
Uses binutils' nm and readelf.

usage: native_profile.py BINARY N OUT
"""
import random
import struct
import subprocess
import sys

binary, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = 0x555555554000
funcs = []
for line in subprocess.run(["nm", "-S", "--defined-only", binary],
                           capture_output=True, text=True, check=True).stdout.splitlines():
    parts = line.split()
    if len(parts) == 4 and parts[2] in "tT":
        start, size = int(parts[0], 16), int(parts[1], 16)
        if size > 4:
            funcs.append((start, size))
rng = random.Random(13)
addrs = set()
while len(addrs) < n:
    start, size = rng.choice(funcs)
    addrs.add(start + rng.randrange(size))
maps = []
for line in subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True,
                           check=True).stdout.splitlines():
    parts = line.split()
    if parts[:1] == ["LOAD"]:
        off, vaddr, memsz = int(parts[1], 16), int(parts[2], 16), int(parts[5], 16)
        flags = "".join(parts[6:-1])
        lo, hi = vaddr & ~0xfff, (vaddr + memsz + 0xfff) & ~0xfff
        perms = ("r" if "R" in flags else "-") + ("w" if "W" in flags else "-") + \
            ("x" if "E" in flags else "-") + "p"
        maps.append(f"{base + lo:x}-{base + hi:x} {perms} {off & ~0xfff:08x} 00:00 0 {binary}\n")
with open(out, "wb") as f:
    w = lambda *vals: f.write(struct.pack(f"<{len(vals)}Q", *vals))
    w(0, 3, 0, 10000, 0)
    for a in sorted(addrs):
        w(1, 1, base + a)
    w(0, 1, 0)
    f.write("".join(maps).encode())
