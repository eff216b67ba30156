#!/usr/bin/python3
"""The product benchmark: the real reactord daemon against its peers on the
same probe load, CPU per probe from /proc and peak RSS (issue 13).

Each tool runs alone in a network namespace of its own (its own loopback, and
for fetch its own nginx), all of a scenario's tools at the same time, so that
they share the machine's noise (the ratios are the figures to read) while a
raw ICMP socket sees only its own tool's echo replies. Per tool:

  reactord   the daemon from the build, a job per target, JSON lines to a
             file; runs and CPU from one /metrics page at each end of the
             window (reactord_job_runs_total summed, reactord_process_cpu_
             seconds_total), so both cover the same span
  collectd   the ping or curl plugin, no write plugin (nominal probe count)
  fping      `fping -l`, a line per reply on stdout (counted)
  blackbox   prometheus-blackbox-exporter, driven at the same rate by a
             generator (a second process, in the same namespace) whose own CPU
             is not counted; probes counted by the generator

CPU = time on a CPU of all the tool's own threads (schedstat, ns) over the
window, divided by the probes in the window (utime + stime printed beside). Peak RSS =
VmHWM at the end. Output lines: `name: value unit (peer: value unit, ratio: x)`
with ratio = reactord / peer.

Loopback only: targets 127.0.0.1 ... (1000 targets: up to 127.0.3.232).
Needs root (network namespaces, raw sockets); installs missing peers with
apt-get.
"""
import argparse
import http.client
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

PEER_PACKAGES = ["collectd-core", "liboping0", "fping", "prometheus-blackbox-exporter", "nginx-light", "iproute2"]
TICK = os.sysconf("SC_CLK_TCK")
RUNS_FROM_LOG = False  # --runs-from-log


def target(i):
    n = i + 1  # 127.0.0.1 is target 0
    return f"127.0.{n // 256}.{n % 256}"


def install_peers():
    missing = []
    for p in PEER_PACKAGES:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True)
        if "install ok installed" not in r.stdout:
            missing.append(p)
    if missing:
        print(f"# installing {' '.join(missing)}", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


# --- /proc -------------------------------------------------------------------

def cpu_seconds(pid):
    """CPU time of all the process's threads: the scheduler's nanosecond
    figure (/proc/PID/task/TID/schedstat), as utime + stime in /proc/PID/stat
    count 10 ms ticks, too coarse for a window of a few tenths of a second of
    CPU. Every tool's threads live through the window (a thread that ended
    inside it would be missed; the stat figure is printed beside it)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:
            pass
    return total / 1e9


def cpu_seconds_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def status_mib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mib(pid):
    return status_mib(pid, "VmHWM")


# --- namespaces --------------------------------------------------------------

class netns:
    # Named after this process: two invocations at once (two people
    # benchmarking on one machine) must not delete and reuse each other's
    # namespaces. When they did, one run scraped the other's daemon and
    # counted a fetch1 daemon's 1,000 runs/s as a ping1 daemon's probes.
    def __init__(self, name):
        name = f"{name}-{os.getpid()}"
        self.name = name
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
        subprocess.run(["ip", "netns", "add", name], check=True)
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)

    def cmd(self, argv):
        return ["ip", "netns", "exec", self.name, *argv]

    def close(self):
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)


def start(argv, **kw):
    # `ip netns exec` execs the command: the PID is the tool's own.
    return subprocess.Popen(argv, start_new_session=True, **kw)


def stop(p, seconds=10):
    """SIGTERM, then SIGKILL if `p` has not exited within `seconds`."""
    if p and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(seconds)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def write_file(path, text):
    """Writes `text` to `path` (a tool's configuration) and returns the path."""
    with open(path, "w") as f:
        f.write(text)
    return path


def nginx_conf(workdir, port):
    root = os.path.join(workdir, "www")
    os.makedirs(root, exist_ok=True)
    write_file(os.path.join(root, "page.html"), "x" * 1024)
    return write_file(os.path.join(workdir, "nginx.conf"), f"""daemon off; worker_processes 1; pid {workdir}/nginx.pid; error_log {workdir}/nginx.err;
events {{ worker_connections 4096; }}
http {{
  access_log off; keepalive_timeout 0;  # a new connection per probe, for every tool
  client_body_temp_path {workdir}; proxy_temp_path {workdir}; fastcgi_temp_path {workdir};
  uwsgi_temp_path {workdir}; scgi_temp_path {workdir};
  server {{ listen 127.0.0.1:{port}; root {root}; location / {{ try_files /page.html =404; }} }}
}}
""")


# --- the tools ---------------------------------------------------------------

class tool:
    """One tool in its namespace. probes() counts probes so far (or None: nominal)."""
    name = "?"

    def __init__(self, scenario, workdir, ns):
        self.s, self.dir, self.ns = scenario, workdir, ns
        self.proc = None
        self.helpers = []  # nginx, the generator: not measured

    def url(self, i):
        return f"http://127.0.0.1:{self.s.http_port}/t{i}"

    def start_nginx(self):
        if self.s.kind == "fetch":
            conf = nginx_conf(self.dir, self.s.http_port)
            self.helpers.append(start(self.ns.cmd(["nginx", "-c", conf]), stderr=subprocess.DEVNULL))

    def probes(self):
        return None

    def sample(self):
        """(probes so far or None, CPU seconds so far or None: read from /proc)."""
        return self.probes(), None

    def stop(self):
        stop(self.proc)
        for h in self.helpers:
            stop(h)


class reactord(tool):
    def __init__(self, scenario, workdir, ns, binary, backend, log_level, label=""):
        super().__init__(scenario, workdir, ns)
        self.name = f"reactord_{backend}" + ("" if log_level == "info" else f"_{log_level}") + label
        s = scenario
        self.port = 9817
        jobs = [f"daemon:\n  status_listen: 127.0.0.1:{self.port}\n  max_concurrency: 4096\njobs:\n"]
        for i in range(s.targets):
            if s.kind == "ping":
                jobs.append(f"  - {{name: p{i}, kind: ping, target: {target(i)}, count: {s.echoes}, "
                            f"interval: {s.echo_gap_ms}ms, every: {s.every}s, jitter: {s.every}s}}\n")
            else:
                jobs.append(f"  - {{name: f{i}, kind: fetch, url: '{self.url(i)}', every: {s.every}s, "
                            f"jitter: {s.every}s}}\n")
        conf = write_file(os.path.join(workdir, "jobs.yaml"), "".join(jobs))
        self.start_nginx()
        self.proc = start(ns.cmd([binary, "--config", conf, "--backend", backend, "--log-format", "json",
                                  "--log-file", os.path.join(workdir, "reactord.log"), "--log-level", log_level]),
                          stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, "stderr"), "w"))

    def sample(self):
        if RUNS_FROM_LOG:
            return self.runs_logged(), None
        # Runs and CPU from one /metrics page, so both are read at the same
        # moment (a scrape takes a second to start a client in the namespace;
        # runs counted over a longer span than the CPU would flatter us).
        r = subprocess.run(self.ns.cmd([sys.executable, __file__, "--get", f"http://127.0.0.1:{self.port}/metrics"]),
                           capture_output=True, text=True, timeout=30)
        lines = r.stdout.splitlines()
        runs = sum(float(l.rsplit(" ", 1)[1]) for l in lines if l.startswith("reactord_job_runs_total{"))
        cpu = [float(l.rsplit(" ", 1)[1]) for l in lines if l.startswith("reactord_process_cpu_seconds_total ")]
        return runs, (cpu[0] if cpu else None)

    def runs_logged(self):
        # --runs-from-log: the result lines written so far, in the log and
        # the files it was rotated to (10 MiB each, 5 kept: enough for
        # several minutes of fetch1). The writer thread writes them at most
        # 200 ms after the run, at both ends of the window alike.
        logs = [os.path.join(self.dir, "reactord.log")]
        logs += [os.path.join(self.dir, f"reactord.{n}.log") for n in range(1, 6)]
        if os.path.exists(logs[-1]):
            print(f"# {self.name}: its log was rotated 5 times, runs undercounted", flush=True)
        runs = 0
        for path in logs:
            if os.path.exists(path):
                with open(path, "rb") as f:
                    runs += f.read().count(b'"msg":"result"')
        return runs


class collectd(tool):
    name = "collectd"

    def __init__(self, scenario, workdir, ns):
        super().__init__(scenario, workdir, ns)
        s = scenario
        conf = [f'Hostname "bench"\nFQDNLookup false\nBaseDir "{workdir}"\nPIDFile "{workdir}/collectd.pid"\n'
                f'Interval {s.every}\n']
        if s.kind == "ping":
            # The plugin sends one echo to every host each ping Interval.
            conf.append(f"LoadPlugin ping\n<Plugin ping>\n  Interval {s.every / s.echoes:.3f}\n  Timeout 0.9\n")
            conf += [f'  Host "{target(i)}"\n' for i in range(s.targets)]
            conf.append("</Plugin>\n")
        else:
            conf.append("LoadPlugin curl\n<Plugin curl>\n")
            conf += [f'  <Page "t{i}">\n    URL "{self.url(i)}"\n    MeasureResponseTime true\n  </Page>\n'
                     for i in range(s.targets)]
            conf.append("</Plugin>\n")
        path = write_file(os.path.join(workdir, "collectd.conf"), "".join(conf))
        self.start_nginx()
        self.proc = start(ns.cmd(["collectd", "-f", "-C", path]), stdout=subprocess.DEVNULL,
                          stderr=open(os.path.join(workdir, "stderr"), "w"))


class fping(tool):
    name = "fping"

    def __init__(self, scenario, workdir, ns):
        super().__init__(scenario, workdir, ns)
        s = scenario
        hosts = write_file(os.path.join(workdir, "hosts"), "".join(target(i) + "\n" for i in range(s.targets)))
        self.out = os.path.join(workdir, "fping.out")
        # -p: per-target period; -i: gap between any two sends, spreading a round over the period.
        period_ms = int(s.every * 1000 / s.echoes)
        gap_ms = max(1, period_ms // s.targets)
        self.proc = start(ns.cmd(["fping", "-l", "-p", str(period_ms), "-i", str(gap_ms), "-t", "900",
                                  "-f", hosts]),
                          stdout=open(self.out, "w"), stderr=subprocess.DEVNULL)

    def probes(self):
        with open(self.out, "rb") as f:
            return sum(1 for _ in f) / self.s.echoes


class blackbox(tool):
    name = "blackbox"

    def __init__(self, scenario, workdir, ns):
        super().__init__(scenario, workdir, ns)
        s = scenario
        conf = write_file(os.path.join(workdir, "blackbox.yml"),
                          "modules:\n  icmp:\n    prober: icmp\n    timeout: 5s\n    icmp:\n"
                          "      preferred_ip_protocol: ip4\n"
                          "  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n"
                          "      preferred_ip_protocol: ip4\n")
        self.start_nginx()
        port = 9115
        self.proc = start(ns.cmd(["prometheus-blackbox-exporter", f"--config.file={conf}",
                                  f"--web.listen-address=127.0.0.1:{port}"]),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.count_file = os.path.join(workdir, "generated")
        module = "icmp" if s.kind == "ping" else "http_2xx"
        time.sleep(1)
        self.helpers.append(start(ns.cmd([sys.executable, __file__, "--generate", str(port), module, s.kind,
                                          str(s.targets), str(s.every), str(s.http_port), self.count_file])))

    def probes(self):
        try:
            with open(self.count_file) as f:
                return float(f.read() or 0)
        except FileNotFoundError:
            return 0.0


# --- the generator (runs as its own process, in blackbox's namespace) --------

def generate(port, module, kind, targets, every, http_port, count_file):
    """Asks blackbox_exporter for each target's probe on the same spread
    schedule as the others: target i at i * every / targets within each
    period. 64 workers keep connections to the exporter."""
    work = queue.Queue()
    done = [0]
    lock = threading.Lock()

    def worker():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            i = work.get()
            t = target(i) if kind == "ping" else f"http://127.0.0.1:{http_port}/t{i}"
            try:
                c.request("GET", f"/probe?module={module}&target={t}")
                c.getresponse().read()
            except Exception:
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            with lock:
                done[0] += 1

    for _ in range(64):
        threading.Thread(target=worker, daemon=True).start()
    step = every / targets
    t0 = time.monotonic()
    k = 0
    last_write = 0.0
    while True:
        due = t0 + k * step
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        work.put(k % targets)
        k += 1
        if now - last_write > 0.2:
            last_write = now
            with open(count_file + ".tmp", "w") as f:
                f.write(str(done[0]))
            os.replace(count_file + ".tmp", count_file)


# --- a scenario --------------------------------------------------------------

class scenario:
    def __init__(self, name, kind, every, echoes, targets):
        self.name, self.kind, self.every, self.echoes, self.targets = name, kind, every, echoes, targets
        self.echo_gap_ms = 200
        self.http_port = 8080


SCENARIOS = {
    "ping1": dict(kind="ping", every=10, echoes=1),
    "ping3": dict(kind="ping", every=10, echoes=3),
    "fetch10": dict(kind="fetch", every=10, echoes=1),
    "fetch1": dict(kind="fetch", every=1, echoes=1),
}


def run_scenario(sc, args, run_no):
    tmp = tempfile.mkdtemp(prefix=f"reactord-product-{sc.name}-")
    # mkdtemp's 0700 kept nginx's workers (user nobody) from the page: every
    # fetch probe of every tool was a 404 of 153 bytes, not the 1 KiB page.
    os.chmod(tmp, 0o755)
    made = []
    tools = []
    try:
        def place(name, make):
            ns = netns(f"rdbench-{name}")
            made.append(ns)
            d = os.path.join(tmp, name)
            os.makedirs(d)
            tools.append(make(d, ns))

        for backend in args.backends:
            place(f"reactord-{backend}", lambda d, ns, b=backend: reactord(sc, d, ns, args.reactord, b, "info"))
        for label, path in args.also:
            place(f"reactord-{label}", lambda d, ns, l=label, p=path: reactord(sc, d, ns, p, args.backends[0], "info",
                                                                             "_" + l))
        if args.quiet_variant:
            place("reactord-warn", lambda d, ns: reactord(sc, d, ns, args.reactord, args.backends[0], "warn"))
        place("collectd", lambda d, ns: collectd(sc, d, ns))
        if sc.kind == "ping":
            place("fping", lambda d, ns: fping(sc, d, ns))
        if sc.echoes == 1:
            place("blackbox", lambda d, ns: blackbox(sc, d, ns))

        time.sleep(args.warmup)
        for t in tools:
            if t.proc.poll() is not None:
                raise RuntimeError(f"{t.name} exited early ({t.dir}/stderr)")
        before = {}
        for t in tools:
            p, own = t.sample()
            before[t.name] = (p, own if own is not None else cpu_seconds(t.proc.pid), cpu_seconds_ticks(t.proc.pid),
                              time.monotonic())
        time.sleep(args.window)
        figures = {}
        for t in tools:
            c = cpu_seconds(t.proc.pid)
            ticks = cpu_seconds_ticks(t.proc.pid)
            p, own = t.sample()
            if own is not None:
                c = own
            p0, c0, ticks0, t0 = before[t.name]
            # The tool's own span between its two samples: sampling every tool
            # takes seconds on a loaded machine, and the nominal count must
            # cover the span its CPU was measured over.
            nominal = sc.targets * (time.monotonic() - t0) / sc.every
            probes = nominal if p is None else p - p0
            figures[t.name] = dict(cpu_us=(c - c0) * 1e6 / max(probes, 1), rss=peak_rss_mib(t.proc.pid),
                                   cpu_s=c - c0, ticks_s=ticks - ticks0, anon=status_mib(t.proc.pid, "RssAnon"),
                                   probes=probes, nominal=nominal, counted=p is not None)
    finally:
        for t in tools:
            t.stop()
        for ns in made:
            ns.close()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return figures


def report(sc, figures, run_no):
    ours = [n for n in figures if n.startswith("reactord")]
    peers = [n for n in figures if not n.startswith("reactord")]
    pre = f"product.{sc.name}"
    for n, f in figures.items():
        how = "counted" if f["counted"] else "nominal"
        print(f"{pre}.probes.{n}: {f['probes']:.0f} probes ({how}; nominal {f['nominal']:.0f}; "
              f"cpu {f['cpu_s']:.3f} s, utime+stime {f['ticks_s']:.2f} s)")
        # A count far above the schedule, or a CPU figure far from the
        # kernel's tick count, means the samples were not this tool's.
        if f["counted"] and f["probes"] > 1.25 * f["nominal"] or f["cpu_s"] > 2 * f["ticks_s"] + 0.05:
            print(f"product: {n}'s figures do not add up (probes or CPU far above the schedule's); "
                  "is another product.py running?", file=sys.stderr)
    for o in ours:
        for p in peers:
            a, b = figures[o]["cpu_us"], figures[p]["cpu_us"]
            print(f"{pre}.cpu_per_probe.{o}: {a:.1f} us ({p}: {b:.1f} us, ratio: {a / b:.3f})")
    for o in ours:
        for p in peers:
            a, b = figures[o]["rss"], figures[p]["rss"]
            print(f"{pre}.peak_rss.{o}: {a:.1f} MiB ({p}: {b:.1f} MiB, ratio: {a / b:.2f})")
    # Most of a small daemon's RSS is shared library pages (reactord: libcrypto,
    # libstdc++, gnutls ...); its own memory is the anonymous part.
    for o in ours:
        for p in peers:
            a, b = figures[o]["anon"], figures[p]["anon"]
            print(f"{pre}.anon_rss.{o}: {a:.1f} MiB ({p}: {b:.1f} MiB, ratio: {a / b:.2f})")
    sys.stdout.flush()


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--generate":
        port, module, kind, targets, every, http_port, count_file = sys.argv[2:9]
        generate(int(port), module, kind, int(targets), float(every), int(http_port), count_file)
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--get":
        sys.stdout.write(urllib.request.urlopen(sys.argv[2], timeout=20).read().decode())
        return 0
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="reactord against collectd, fping and blackbox_exporter")
    ap.add_argument("--reactord", default=os.path.join(here, "..", "build", "release", "daemon", "reactord"))
    ap.add_argument("--window", type=float, default=60, help="seconds measured (default 60)")
    ap.add_argument("--warmup", type=float, default=12, help="seconds before the window (default 12)")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--targets", type=int, default=1000)
    ap.add_argument("--scenarios", default="ping1,ping3,fetch10,fetch1", help=",".join(SCENARIOS))
    ap.add_argument("--backends", default="io_uring,epoll")
    ap.add_argument("--quiet-variant", action="store_true", help="also reactord with --log-level warn")
    ap.add_argument("--also", action="append", default=[], metavar="LABEL=PATH",
                    help="another reactord binary, measured beside the first (before/after a change)")
    ap.add_argument("--no-install", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work directories")
    ap.add_argument("--runs-from-log", action="store_true",
                    help="count reactord's runs from its log and its CPU from /proc, as the other tools': "
                         "no /metrics scrape (~50 ms of the daemon's CPU each for 1000 fetch jobs) in the window")
    args = ap.parse_args()
    args.backends = args.backends.split(",")
    args.also = [a.split("=", 1) for a in args.also]
    global RUNS_FROM_LOG
    RUNS_FROM_LOG = args.runs_from_log
    if os.geteuid() != 0:
        print("product: needs root (network namespaces, raw ICMP sockets)", file=sys.stderr)
        return 2
    if not os.access(args.reactord, os.X_OK):
        print(f"product: no reactord binary at {args.reactord} (build first)", file=sys.stderr)
        return 2
    if not args.no_install:
        install_peers()
    print(f"product.shape: {args.targets} targets, window {args.window:g} s after {args.warmup:g} s warm-up, "
          f"{args.runs} run(s), every tool in its own network namespace, all of a scenario's tools at once")
    for r in range(args.runs):
        for name in args.scenarios.split(","):
            sc = scenario(name, targets=args.targets, **SCENARIOS[name])
            print(f"# run {r + 1}, {name}", flush=True)
            report(sc, run_scenario(sc, args, r), r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
