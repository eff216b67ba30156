#!/usr/bin/python3
"""Memory at many jobs: the real daemon's resident bytes per configured job,
and what `--check` and a reload of the same file cost (issue 13: "<= 1 KB of
RSS per configured job beyond its own strings in the running daemon; --check
and reload of a 50,000-job file in under 1 s and under 100 MB").

The job file: N jobs (default 50,000) every 60 s with `jitter: 60s`, a third
each countdowns (from 3, tick 10ms), pings of 127.0.0.1 and fetches of a
closed loopback port (each fails, keeping a ~100-byte reason as its last
result); the status endpoint off. Per run:

  empty      the daemon on a file with no jobs, RSS after --empty-settle s
  daemon     the daemon on the file, RSS from /proc/PID/status once every job
             has run (--settle s, 75 by default: the first runs spread over
             `jitter`) and RSS has stopped moving
  per job    (daemon - empty) / N; "beyond strings" also subtracts the heap
             blocks of the strings the file gives each job (names and targets
             fit std::string's inline buffer; a fetch's URL does not)
  reload     SIGHUP with the same file (`reactord --reload PID`, which waits
             for the daemon's verdict): wall time, the daemon's peak RSS
             during it (VmHWM, reset through /proc/PID/clear_refs first), RSS
             10 s after
  check      `reactord --check FILE` in a child: wall time, CPU, peak RSS

Output: `name: value unit` per figure and run, then the medians.
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from product import stop  # bench/product.py, beside this script

HERE = os.path.dirname(os.path.abspath(__file__))


def closed_port():
    # A port nothing listens on: bound, then released.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def job_file(path, n, port):
    """Writes the file; returns the heap bytes of the jobs' own strings (a
    glibc chunk per string longer than the 15-byte inline buffer)."""
    lines = ["daemon:\n  status_listen: 'off'\njobs:\n"]
    strings = 0
    url = f"http://127.0.0.1:{port}/"
    for i in range(n):
        k = i % 3
        if k == 0:
            lines.append(f"  - {{name: c{i}, kind: countdown, from: 3, tick: 10ms, every: 60s, jitter: 60s}}\n")
        elif k == 1:
            lines.append(f"  - {{name: p{i}, kind: ping, target: 127.0.0.1, every: 60s, jitter: 60s}}\n")
        else:
            lines.append(f"  - {{name: f{i}, kind: fetch, url: '{url}', every: 60s, jitter: 60s}}\n")
            strings += max(32, (len(url) + 1 + 8 + 15) & ~15)
    if n == 0:
        lines = ["daemon:\n  status_listen: 'off'\njobs: []\n"]
    with open(path, "w") as f:
        f.write("".join(lines))
    return strings


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def settle(pid, at_least, step=5.0, within=0.01):
    """Waits at_least seconds, then until RSS moves less than `within` over a step."""
    time.sleep(at_least)
    last = status_kib(pid, "VmRSS")
    while True:
        time.sleep(step)
        now = status_kib(pid, "VmRSS")
        if abs(now - last) <= within * last:
            return now
        last = now


def start_daemon(binary, conf, work):
    return subprocess.Popen([binary, "--config", conf, "--log-level", "warn", "--log-file",
                             os.path.join(work, "reactord.log"), "--runtime-dir", work],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "stderr"), "w"),
                            start_new_session=True)


def timed_child(argv):
    """Wall seconds, CPU seconds, peak RSS (KiB) and exit status of a child."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, p.returncode, err


def one_run(args, run_no):
    fig = {}
    with tempfile.TemporaryDirectory(prefix="reactord-memory-") as work:
        empty_conf = os.path.join(work, "empty.yaml")
        conf = os.path.join(work, "jobs.yaml")
        job_file(empty_conf, 0, 0)
        strings = job_file(conf, args.jobs, closed_port())

        wall, cpu, peak, rc, err = timed_child([args.reactord, "--check", conf])
        if rc != 0:
            sys.exit(f"--check failed ({rc}): {err[:2000]}")
        fig["check_wall"], fig["check_cpu"], fig["check_peak_rss"] = wall, cpu, peak / 1024

        d = start_daemon(args.reactord, empty_conf, os.path.join(work))
        try:
            fig["empty_rss"] = settle(d.pid, args.empty_settle) / 1024
        finally:
            stop(d, 30)  # a 50,000-job daemon takes a while to drain

        d = start_daemon(args.reactord, conf, work)
        try:
            rss = settle(d.pid, args.settle)
            fig["daemon_rss"] = rss / 1024
            fig["daemon_rss_anon"] = status_kib(d.pid, "RssAnon") / 1024
            per_job = (rss - fig["empty_rss"] * 1024) * 1024 / args.jobs
            fig["per_job"] = per_job / 1024
            fig["per_job_beyond_strings"] = (per_job - strings / args.jobs) / 1024

            with open(f"/proc/{d.pid}/clear_refs", "w") as f:
                f.write("5")  # resets VmHWM to the current RSS
            wall, _, _, rc, err = timed_child([args.reactord, "--reload", str(d.pid), "--runtime-dir", work])
            if rc != 0:
                sys.exit(f"reload failed ({rc}): {err[:2000]}")
            fig["reload_wall"] = wall
            fig["reload_peak_rss"] = status_kib(d.pid, "VmHWM") / 1024
            time.sleep(10)
            fig["after_reload_rss"] = status_kib(d.pid, "VmRSS") / 1024
            if d.poll() is not None:
                sys.exit("the daemon exited")
        finally:
            stop(d, 30)  # a 50,000-job daemon takes a while to drain
    report(args, fig, f"run {run_no}")
    return fig


LINES = [  # key, name, unit, format, goal
    ("empty_rss", "empty_daemon_rss", "MiB", "{:.1f}", None),
    ("daemon_rss", "daemon_rss", "MiB", "{:.1f}", None),
    ("daemon_rss_anon", "daemon_rss_anonymous", "MiB", "{:.1f}", None),
    ("per_job", "rss_per_job", "KiB", "{:.2f}", None),
    ("per_job_beyond_strings", "rss_per_job_beyond_strings", "KiB", "{:.2f}", "goal: 1.00 KiB"),
    ("reload_wall", "reload_wall", "s", "{:.2f}", "goal: 1.00 s"),
    ("reload_peak_rss", "reload_peak_rss", "MiB", "{:.1f}", "goal: 100 MB"),
    ("after_reload_rss", "rss_10s_after_reload", "MiB", "{:.1f}", None),
    ("check_wall", "check_wall", "s", "{:.2f}", "goal: 1.00 s"),
    ("check_cpu", "check_cpu", "s", "{:.2f}", None),
    ("check_peak_rss", "check_peak_rss", "MiB", "{:.1f}", "goal: 100 MB"),
]


def report(args, fig, what):
    print(f"# {what}", flush=True)
    for key, name, unit, fmt, goal in LINES:
        tail = f" ({goal})" if goal else ""
        print(f"memory.{name}: {fmt.format(fig[key])} {unit}{tail}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reactord", default=os.path.join(HERE, "..", "build", "release", "daemon", "reactord"))
    ap.add_argument("--jobs", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--settle", type=float, default=75, help="seconds before the daemon's RSS is read")
    ap.add_argument("--empty-settle", type=float, default=5)
    args = ap.parse_args()
    print(f"memory.shape: {args.jobs} jobs (a third each countdown, ping, fetch), every 60 s, jitter 60 s; "
          f"{args.runs} runs; {args.reactord}", flush=True)
    figs = [one_run(args, i + 1) for i in range(args.runs)]
    if len(figs) > 1:
        report(args, {k: statistics.median(f[k] for f in figs) for k in figs[0]}, f"median of {len(figs)} runs")


if __name__ == "__main__":
    main()
