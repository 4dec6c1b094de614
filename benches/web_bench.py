#!/usr/bin/env python3
"""Whole-process timing of a `-http` web interface (ours or Go's pprof) on
one profile: the bars of issue 14 (README's web table).

Starts the server, polls until it accepts connections (listening time,
from the start of the process), then times the first request of each view
with curl, reading the server's peak memory (VmHWM of /proc/PID/status)
after each. Then, on a fresh server, fires N concurrent graph requests
with distinct settings (so that no cache answers them) and times a
`/ui/tags` request sent while they are in flight.

usage: web_bench.py [--views flamegraph,graph,...] [--load N] NAME FILE -- CMD...
  CMD is the server's command line with {port} where the port goes, e.g.
  web_bench.py ours medium.pb.gz -- target/release/pprof-tools -no_browser -http=127.0.0.1:{port} medium.pb.gz
  web_bench.py go medium.pb.gz -- /opt/pprof-go1.27/pprof -no_browser -http=127.0.0.1:{port} medium.pb.gz
Prints one JSON object per line.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

VIEWS = ["flamegraph", "graph", "top", "peek", "source", "tags"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hwm_mb(pid):
    """Peak resident memory of pid and its children (Go's pprof runs no
    children; ours neither), in MB."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def curl_time(url, timeout=600):
    """Seconds to the last byte of a GET, with status and size."""
    out = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "--max-time", str(timeout), "-w",
         "%{http_code} %{size_download} %{time_total}", url],
        capture_output=True, text=True)
    code, size, total = out.stdout.split()
    return int(code), int(size), float(total)


def start(cmd, port):
    argv = [a.replace("{port}", str(port)) for a in cmd]
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}: {argv}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.01)
    return proc, time.monotonic() - t0


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--views", default=",".join(VIEWS))
    ap.add_argument("--load", type=int, default=20, help="concurrent graph requests (0: skip)")
    ap.add_argument("name")
    ap.add_argument("file")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    base = os.path.basename(a.file)

    port = free_port()
    proc, listening = start(cmd, port)
    row = {"server": a.name, "file": base, "listening_s": round(listening, 3),
           "rss_listening_mb": hwm_mb(proc.pid)}
    first = None
    for v in a.views.split(","):
        code, size, t = curl_time(f"http://127.0.0.1:{port}/ui/{v}")
        row[f"{v}_s"] = round(t, 3)
        row[f"{v}_status"] = code
        row[f"{v}_bytes"] = size
        row[f"hwm_after_{v}_mb"] = round(hwm_mb(proc.pid) or 0, 1)
        if first is None:
            first = v
            row["first_view"] = v
            row["first_view_from_start_s"] = round(listening + t, 3)
    row["peak_rss_mb"] = round(hwm_mb(proc.pid) or 0, 1)
    stop(proc)
    print(json.dumps(row), flush=True)

    if a.load > 0:
        port = free_port()
        proc, _ = start(cmd, port)
        results = []

        def graph(i):
            results.append(curl_time(f"http://127.0.0.1:{port}/ui/graph?n={60 + i}"))

        threads = [threading.Thread(target=graph, args=(i,)) for i in range(a.load)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        code, _, tags = curl_time(f"http://127.0.0.1:{port}/ui/tags")
        busy = sum(1 for t in threads if t.is_alive())
        for t in threads:
            t.join()
        print(json.dumps({"server": a.name, "file": base, "load": a.load,
                          "tags_under_load_s": round(tags, 3), "tags_status": code,
                          "graphs_in_flight_at_end_of_tags": busy,
                          "graph_max_s": round(max(r[2] for r in results), 3),
                          "peak_rss_mb": round(hwm_mb(proc.pid) or 0, 1)}), flush=True)
        stop(proc)


if __name__ == "__main__":
    main()
