"""The benchmark table of ./build.sh bench (medians of RUNS runs each)."""
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SIM = "build/basin-sim"
FIRMWARE = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
SEEDS = [1, 2, 3]  # of the default run: 10 s of simulated time each, a few seconds of wall


def run_timed(argv):
    """Runs argv; returns (wall seconds, output). Exits on failure."""
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, text=True, check=False, timeout=300)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} exited {done.returncode}:\n{done.stdout[-2000:]}")
    return wall, done.stdout


def field(text, name):
    match = re.search(rf"^{name}: ([0-9.]+)", text, re.M)
    if not match:
        sys.exit(f"bench: the simulator printed no '{name}:' line")
    return float(match.group(1))


def sim_numbers():
    """Steps/s, instructions/s, sim/wall ratio over the default scenario's seeds."""
    steps_rate, instr_rate, ratio, invariant_share = [], [], [], []
    for seed in SEEDS:
        argv = [SIM, "--seed", str(seed), "--log", "warn"]
        walls = [run_timed(argv) for _ in range(RUNS)]
        wall = statistics.median(w for w, _ in walls)
        text = walls[0][1]
        steps_rate.append(field(text, "steps") / wall)
        instr_rate.append(field(text, "user instructions") / wall)
        ratio.append(field(text, "simulated time") / wall)
        bare = statistics.median(run_timed(argv + ["--no-invariants"])[0] for _ in range(RUNS))
        invariant_share.append(max(0.0, (wall - bare) / wall))
    return (statistics.median(steps_rate), statistics.median(instr_rate),
            statistics.median(ratio), statistics.median(invariant_share))


def run_cpu(argv):
    """Runs argv; returns (CPU seconds of it and its children, wall seconds, output).
    CPU time, not wall time, compares the interpreters fairly on a shared host."""
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, text=True)
    output = child.communicate(timeout=300)[0]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter() - start
    if child.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} exited {child.returncode}:\n{output[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, output


def sim_rates(extra):
    """(user instructions per CPU second, simulated seconds per CPU second), medians
    over the default scenario's seeds, with extra options."""
    rates, ratios = [], []
    for seed in SEEDS:
        argv = [SIM, "--seed", str(seed), "--log", "warn"] + extra
        runs = [run_cpu(argv) for _ in range(RUNS)]
        cpu = statistics.median(c for c, _, _ in runs)
        rates.append(field(runs[0][2], "user instructions") / cpu)
        ratios.append(field(runs[0][2], "simulated time") / cpu)
    return statistics.median(rates), statistics.median(ratios)


def seeds_per_hour_per_core(count):
    """count seeds of the default scenario run one at a time (--jobs 1): seeds per hour
    by wall time and by the CPU time of the run (the parent and its seeds)."""
    cpu, wall, _ = run_cpu([SIM, "--seeds", f"1..{count}", "--jobs", "1", "--log", "warn"])
    return count / wall * 3600, count / cpu * 3600, wall


def build_compute():
    """tests/bench/compute.c as a freestanding static RV64 Linux ELF, and the harness
    that runs such an ELF in our interpreter alone (build/rv64_bench)."""
    elf = "build/bench/compute.elf"
    os.makedirs("build/bench", exist_ok=True)
    subprocess.run(["riscv64-unknown-elf-gcc", "-march=rv64imac", "-mabi=lp64", "-mcmodel=medany",
                    "-O2", "-ffreestanding", "-nostdlib", "-static", "-Wl,-Ttext=0x10000",
                    "-Wl,-e,_start", "-Wl,--no-warn-rwx-segments", "-o", elf,
                    "tests/bench/compute.c"], check=True)
    subprocess.run(["make", "-s", "build/rv64_bench"], check=True, stdin=subprocess.DEVNULL)
    return elf


def compute_in_interpreter(elf, extra):
    """(instructions, median seconds, exit status) of the kernel in our interpreter."""
    runs = []
    for _ in range(RUNS):
        _, text = run_timed(["build/rv64_bench", elf] + extra)
        runs.append(text)
    seconds = statistics.median(field(t, "cpu_seconds") for t in runs)
    return int(field(runs[0], "instructions")), seconds, int(field(runs[0], "exit"))


def compute_in_qemu(elf, want_status):
    """Median CPU seconds of qemu-riscv64 running the same ELF (start-up included)."""
    cpus = []
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(["qemu-riscv64", elf], stdin=subprocess.DEVNULL, check=False, timeout=300)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        if done.returncode != want_status:
            sys.exit(f"bench: qemu-riscv64 {elf} exited {done.returncode}, our interpreter {want_status}")
    return statistics.median(cpus)


def interpreter_table():
    """The block cache's table: all measured in this run."""
    elf = build_compute()
    instructions, cached, status = compute_in_interpreter(elf, [])
    _, bare, bare_status = compute_in_interpreter(elf, ["--no-block-cache"])
    if bare_status != status:
        sys.exit(f"bench: the compute kernel exited {status} with the block cache, {bare_status} without")
    qemu = compute_in_qemu(elf, status)
    sim_cached, ratio = sim_rates([])
    sim_bare, _ = sim_rates(["--no-block-cache"])
    seeds_count = 4 * RUNS
    per_hour, per_cpu_hour, seeds_wall = seeds_per_hour_per_core(seeds_count)
    rows = [
        (f"compute kernel ({instructions / 1e6:,.0f} M instructions), interpreter with block cache",
         f"{instructions / cached / 1e6:,.1f} M/s", ""),
        ("compute kernel, interpreter without block cache (--no-block-cache)",
         f"{instructions / bare / 1e6:,.1f} M/s", ""),
        ("compute kernel, block cache speed-up", f"{bare / cached:.2f} x", ">= 2 x"),
        ("compute kernel, qemu-riscv64 (same ELF, same count, start-up included)",
         f"{instructions / qemu / 1e6:,.1f} M/s", ""),
        ("default scenario user instructions/s, with block cache", f"{sim_cached / 1e6:,.1f} M/s", ""),
        ("default scenario user instructions/s, without block cache", f"{sim_bare / 1e6:,.1f} M/s", ""),
        ("default scenario, block cache speed-up", f"{sim_cached / sim_bare:.2f} x", ""),
        (f"seeds per hour per core, default scenario ({seeds_count} seeds, --jobs 1, "
         f"{seeds_wall:.1f} s wall), by wall time", f"{per_hour:,.0f}", ""),
        ("seeds per hour per core, the same run, by its CPU time", f"{per_cpu_hour:,.0f}", ""),
        ("simulated seconds per CPU second, default scenario", f"{ratio:.3f}", ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"Interpreter: medians of {RUNS} runs, all measured in this run; rates per CPU second "
          "(fair on a shared host; the first seeds-per-hour row is by wall time)")
    print(f"{'measure'.ljust(width)}  {'value':>12}  target")
    for name, value, target in rows:
        print(f"{name.ljust(width)}  {value:>12}  {target}")


def node_memory_kib():
    """Peak RSS of a whole 1-node basin-sim process: an upper bound for one node."""
    def peak(argv):
        pid = os.fork()
        if pid == 0:
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.execv(argv[0], argv)
        _, _, usage = os.wait4(pid, 0)
        return usage.ru_maxrss
    return statistics.median(peak([SIM, "--seed", "1", "--log", "warn"]) for _ in range(3))


def qemu_seconds(kernel, append=None):
    argv = ["qemu-system-riscv64", "-machine", "virt", "-m", "128M", "-nographic",
            "-bios", FIRMWARE, "-kernel", kernel]
    if append:
        argv += ["-append", append]
    return statistics.median(run_timed(argv)[0] for _ in range(RUNS))


def build_floor():
    """The floor kernel as a flat binary, loaded at 0x80200000 like the Image."""
    elf, flat = "build/bench/floor.elf", "build/bench/floor.bin"
    os.makedirs("build/bench", exist_ok=True)
    subprocess.run(["riscv64-unknown-elf-gcc", "-march=rv64imac", "-mabi=lp64", "-nostdlib",
                    "-Wl,-Ttext=0x80200000", "-o", elf, "tests/bench/floor.S"], check=True)
    subprocess.run(["riscv64-unknown-elf-objcopy", "-O", "binary", elf, flat], check=True)
    return flat


def boot_chains():
    """Boot to init and power-off via OpenSBI directly and via U-Boot (tests/boot)."""
    done = subprocess.run(["tests/boot/boot_time.sh"], stdout=subprocess.PIPE, text=True,
                          stdin=subprocess.DEVNULL, check=False, timeout=1200)
    if done.returncode != 0:
        sys.exit("bench: tests/boot/boot_time.sh failed")
    times = {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#"):
            times[parts[0]] = float(parts[1])
    return times


def main():
    steps, instructions, ratio, share = sim_numbers()
    memory = node_memory_kib()
    image = qemu_seconds("build/riscv/Image", "init.rounds=0 init.end=poweroff")
    workload = qemu_seconds("build/riscv/Image", "init.rounds=1 init.end=poweroff")
    floor = qemu_seconds(build_floor())
    chains = boot_chains()
    rows = [
        ("simulated kernel steps per second", f"{steps:,.0f}", "-"),
        ("interpreted user instructions per second", f"{instructions / 1e6:,.1f} M", ">= 150 M"),
        ("simulated / wall time, default scenario", f"{ratio:.3f}", "-"),
        ("share of run time in invariant checks", f"{share * 100:.1f} %", "<= 50 %"),
        ("memory of one simulated node (peak RSS of a 1-node run)", f"{memory / 1024:.1f} MiB", "<= 64 MiB"),
        ("QEMU start to power-off, image, boot to init only", f"{image * 1000:.0f} ms", "<= 2 x floor"),
        ("QEMU start to power-off, image, with one workload round", f"{workload * 1000:.0f} ms", "-"),
        ("QEMU start to power-off, empty S-mode kernel (floor)", f"{floor * 1000:.0f} ms", "-"),
        ("image / floor", f"{image / floor:.2f} x", "<= 2.00 x"),
        ("boot to init and power-off via OpenSBI directly", f"{chains.get('opensbi', 0) * 1000:.0f} ms", "-"),
        ("boot to init and power-off via U-Boot (incl. its 2 s autoboot delay)",
         f"{chains.get('uboot', 0) * 1000:.0f} ms", "-"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"Grain Basin bench: medians of {RUNS} runs; sim seeds {SEEDS[0]}..{SEEDS[-1]}, "
          "default scenario (the invariant share is a difference of medians: noisy on a busy host)")
    print(f"{'measure'.ljust(width)}  {'value':>12}  target")
    for name, value, target in rows:
        print(f"{name.ljust(width)}  {value:>12}  {target}")


def graindb_table():
    """GrainDB beside SQLite and LMDB on the same host file system (its own table)."""
    subprocess.run(["make", "-s", "build/graindb_bench"], check=True, stdin=subprocess.DEVNULL)
    done = subprocess.run(["build/graindb_bench", "build/bench"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL,
                          check=False, timeout=1800)
    if done.returncode != 0:
        sys.exit(f"bench: build/graindb_bench failed:\n{done.stdout[-2000:]}")
    # The tail is "name: value" pairs for machines; people read the tables above it.
    machine_line = re.compile(r"^\w+: [0-9.]+$")
    print("\n" + "\n".join(l for l in done.stdout.splitlines() if not machine_line.match(l)).rstrip())


def z6_engine_rate():
    """The z6 engine's events per CPU second on the host (tests/bench/z6_bench.c),
    median of RUNS runs."""
    subprocess.run(["make", "-s", "build/z6_bench"], check=True, stdin=subprocess.DEVNULL)
    rates = [field(run_timed(["build/z6_bench"])[1], "events_per_second") for _ in range(RUNS)]
    return statistics.median(rates)


Z6_RESPAWN_TIMEOUT_S = 120
Z6_LINE = re.compile(r"^\[ *([0-9]+\.[0-9]+)\] kernel: (?:warning: )?z6: respawn: (.*)$")


def z6_qemu_respawns():
    """Crash-to-respawn on QEMU: the service of z6.set=respawn (kernel/boot/
    provision_z6.c: exits 1 at once, restart-delay-ms 0, crash limit 32 a minute) on a
    fresh disk, until its crash limit makes it failed. In-guest times on the monotonic
    clock: from the kernel's log line of each exit (as the kernel reaps it) to that of
    the next spawn (after it started). Returns the gaps in seconds."""
    disk = "build/bench/z6-respawn.img"
    os.makedirs("build/bench", exist_ok=True)
    with open(disk, "wb") as image:
        image.truncate(32 << 20)
    console = "build/bench/z6-respawn.log"
    argv = ["qemu-system-riscv64", "-machine", "virt", "-m", "128M", "-nographic", "-bios", FIRMWARE,
            "-kernel", "build/riscv/Image", "-append", "init.rounds=0 init.end=idle z6.set=respawn",
            "-drive", f"file={disk},format=raw,if=none,id=disk0", "-device", "virtio-blk-device,drive=disk0"]
    with open(console, "w") as out:
        qemu = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + Z6_RESPAWN_TIMEOUT_S
        try:
            while time.monotonic() < deadline and qemu.poll() is None:
                time.sleep(0.2)
                with open(console, errors="replace") as text:
                    if "z6: respawn: failed" in text.read():
                        break
        finally:
            qemu.kill()
            qemu.wait()
    exited, gaps = None, []
    with open(console, errors="replace") as text:
        for line in text:
            match = Z6_LINE.match(line.replace("\r", "").rstrip("\n"))
            if not match:
                continue
            stamp, what = float(match.group(1)), match.group(2)
            if what.startswith("exited"):
                exited = stamp
            elif what.startswith("run started") and exited is not None:
                gaps.append(stamp - exited)
                exited = None
    if not gaps:
        sys.exit(f"bench: no respawn of z6's respawn service on QEMU (console in {console})")
    return gaps


def s6_respawns(seconds=6):
    """The same service under the real s6-supervise on this host (Debian's s6): run
    stamps its start and, last, its exit; the gap is from an exit's stamp to the next
    start's. None when s6 is not installed."""
    if shutil.which("s6-supervise") is None:
        return None
    with tempfile.TemporaryDirectory(prefix="z6-bench-s6.") as scandir:
        service = os.path.join(scandir, "respawn")
        os.mkdir(service)
        with open(os.path.join(service, "run"), "w") as run:
            run.write(f"#!/bin/sh\ndate +%s.%N >> {service}/starts\ndate +%s.%N >> {service}/exits\nexit 1\n")
        os.chmod(os.path.join(service, "run"), 0o755)
        subprocess.run(["timeout", str(seconds), "s6-supervise", "respawn"], cwd=scandir, check=False,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(os.path.join(service, "starts")) as f:
            starts = [float(x) for x in f.read().split()]
        with open(os.path.join(service, "exits")) as f:
            exits = [float(x) for x in f.read().split()]
    return [start - exit_stamp for exit_stamp, start in zip(exits, starts[1:])]


def z6_table():
    """z6 (issue 12) beside s6: the engine's event rate, and crash-to-respawn."""
    rate = z6_engine_rate()
    gaps = z6_qemu_respawns()
    s6_gaps = s6_respawns()
    rows = [
        ("z6 engine events/CPU s, 64 services (spawned, exited, timer; host, tests/bench/z6_bench.c)",
         f"{rate / 1e6:,.2f} M/s"),
        ("s6 equivalent of the engine's rate",
         "n/a: s6-supervise's state machine cannot be driven apart from its fork/exec"),
        (f"z6 crash to respawn on QEMU, restart-delay-ms 0 (in-guest monotonic, median of {len(gaps)})",
         f"{statistics.median(gaps) * 1000:.2f} ms"),
        ("z6 crash to respawn on QEMU, fastest / slowest",
         f"{min(gaps) * 1000:.2f} / {max(gaps) * 1000:.2f} ms"),
    ]
    if s6_gaps:
        rows.append((f"s6 crash to respawn on this host (s6-supervise, median of {len(s6_gaps)}; "
                     "s6 spawns at most once a second)", f"{statistics.median(s6_gaps) * 1000:.0f} ms"))
    else:
        rows.append(("s6 crash to respawn on this host", "n/a: s6 is not installed (./build.sh deps)"))
    width = max(len(r[0]) for r in rows)
    print(f"z6 beside s6: engine rate median of {RUNS} runs; crash to respawn from one boot "
          "(until its crash limit, 32 a minute)")
    print(f"{'measure'.ljust(width)}  value")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")


ZIX_BENCH_RECIPES = 1000
ZIX_BENCH_SHAPE = "1000 recipes as 50 independent chains of 20 (depth 20)"
ZIX_BENCH_DISK_BYTES = 64 << 20  # 1000 store paths, their registrations and logs, GrainDB's compactions
ZIX_BENCH_SIM_TIME = "900s"      # simulated: the whole run takes about 45 s of it
ZIX_BENCH_QEMU_TIMEOUT_S = 1800  # about 5 minutes on a shared 2-core host
ZIX_BENCH_QEMU_RUNS = int(os.environ.get("BENCH_ZIX_QEMU_RUNS", "1"))  # minutes each
ZIX_LINE = re.compile(r"~zixbench: build_ms=([0-9]+) noop_ms=([0-9]+) gc_ms=([0-9]+) paths=([0-9]+)")
ZIX_CHECKS = ("zixbench: build from empty: 1000 builders for 1000 recipes",
              "zixbench: no-op rebuild: 1000 cached, 0 not",
              "zixbench: gc: ok, 0 roots, 0 kept, 1000 freed",
              "zixbench: 0 failures")


def zix_times(text, where):
    """(build, noop, gc) milliseconds of the workload's line in text; exits unless the
    workload's own checks (every recipe built once, all cached, all freed) passed."""
    text = text.replace("\r", "")
    for check in ZIX_CHECKS:
        if check not in text:
            sys.exit(f"bench: zixbench {where}: no '{check}' line")
    match = ZIX_LINE.search(text)
    if not match or int(match.group(4)) != ZIX_BENCH_RECIPES:
        sys.exit(f"bench: zixbench {where}: no line of times for {ZIX_BENCH_RECIPES} paths")
    return tuple(int(match.group(i)) for i in (1, 2, 3))


def zix_sim_runs():
    """The workload in basin-sim, no faults, a 64 MB disk: (its times in simulated ms,
    identical every run; the host's wall seconds of each whole run)."""
    argv = [SIM, "--seed", "1", "--scenario", "scenarios/no-faults.scenario", "--set",
            "bootargs=init.rounds=0 init.zixbench=1", "--set", f"disk.size={ZIX_BENCH_DISK_BYTES}",
            "--set", f"time={ZIX_BENCH_SIM_TIME}"]
    runs = [run_timed(argv) for _ in range(RUNS)]
    return zix_times(runs[0][1], "in the simulator"), [wall for wall, _ in runs]


def zix_qemu_runs():
    """The workload on QEMU: the real image on a blank 64 MB disk with init.zixbench=1,
    powering off at its end. (the guest's times in ms, on its monotonic clock; the host's
    wall seconds of each whole boot) per run."""
    disk, console = "build/bench/zix.img", "build/bench/zix-qemu.log"
    os.makedirs("build/bench", exist_ok=True)
    results = []
    for _ in range(ZIX_BENCH_QEMU_RUNS):
        with open(disk, "wb") as image:
            image.truncate(ZIX_BENCH_DISK_BYTES)
        argv = ["qemu-system-riscv64", "-machine", "virt", "-m", "128M", "-nographic", "-bios", FIRMWARE,
                "-kernel", "build/riscv/Image", "-append", "init.rounds=0 init.zixbench=1 init.end=poweroff",
                "-device", "virtio-rng-device",
                "-drive", f"file={disk},format=raw,if=none,id=disk0", "-device", "virtio-blk-device,drive=disk0"]
        start = time.perf_counter()
        with open(console, "w") as out:
            done = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  check=False, timeout=ZIX_BENCH_QEMU_TIMEOUT_S)
        wall = time.perf_counter() - start
        with open(console, errors="replace") as text:
            output = text.read()
        if done.returncode != 0:
            sys.exit(f"bench: QEMU exited {done.returncode} (console in {console})")
        results.append((zix_times(output, f"on QEMU (console in {console})"), wall))
    return results


def zix_value(total_ms):
    return f"{total_ms / 1000:.2f} s ({total_ms / ZIX_BENCH_RECIPES:.2f} ms a path)"


def zix_table():
    """Zix (issue 13): a build of a 1000-recipe DAG from an empty store, its no-op
    rebuild (all cache hits) and the GC of its 1000 paths, in the simulator and on QEMU
    (src/user/tests/zixbench.c, started by init.zixbench=1)."""
    sim_ms, sim_walls = zix_sim_runs()
    qemu = zix_qemu_runs()
    qemu_ms = [statistics.median(ms[i] for ms, _ in qemu) for i in range(3)]
    names = ("build from empty (every recipe one builder)", "no-op rebuild (START of all 1000: all cached)",
             "GC of the 1000 paths (no roots)")
    rows = []
    for i, name in enumerate(names):
        rows.append((f"{name}, sim (simulated time)", zix_value(sim_ms[i])))
        rows.append((f"{name}, QEMU (in-guest monotonic)", zix_value(qemu_ms[i])))
    rows.append((f"whole sim run, host wall (boot to power-off, median of {len(sim_walls)})",
                 f"{statistics.median(sim_walls):.2f} s"))
    rows.append((f"whole QEMU boot, host wall (boot to power-off, median of {len(qemu)})",
                 f"{statistics.median(w for _, w in qemu):.2f} s"))
    width = max(len(r[0]) for r in rows)
    print(f"Zix: {ZIX_BENCH_SHAPE}, one file per output; a 64 MB blank disk, no faults")
    print(f"{'measure'.ljust(width)}  value")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")


REPLICA_BENCH_SCENARIO = "scenarios/replica-bench.scenario"
REPLICA_BENCH_NODES = 3
REPLICA_BENCH_KEYS_PER_NODE = 3334  # init.replicafill=3334 in the scenario: 10,002 keys
REPLICA_LIVENESS_LINE = re.compile(r"^liveness: healed at ([^,]+), converged after ([0-9.]+) ms", re.M)


def replica_run():
    """The convergence bench in basin-sim (scenarios/replica-bench.scenario): three nodes
    cut off from each other each put their keys, then the heal. (simulated ms from the
    heal to convergence, host wall seconds of the whole run)."""
    wall, output = run_timed([SIM, "--seed", "1", "--scenario", REPLICA_BENCH_SCENARIO])
    for node in range(REPLICA_BENCH_NODES):
        fill = f"n{node}| replicaclient: fill n{node}/: {REPLICA_BENCH_KEYS_PER_NODE} keys"
        if fill not in output:
            sys.exit(f"bench: replica: no '{fill}' line (the fill did not finish before the heal?)")
    match = REPLICA_LIVENESS_LINE.search(output)
    if not match:
        sys.exit("bench: replica: no 'liveness: healed at T, converged after X ms' line")
    return float(match.group(2)), wall


def replica_table():
    """Replication (issue 14): convergence time of 10,002 keys across 3 nodes after a
    heal, in simulated time, and the host's wall time of the whole run (one run each:
    the simulated time is the same every run)."""
    runs = [replica_run() for _ in range(max(1, min(RUNS, 3)))]
    converged_ms = runs[0][0]
    keys = REPLICA_BENCH_NODES * REPLICA_BENCH_KEYS_PER_NODE
    print(f"Replication: {keys} keys written on {REPLICA_BENCH_NODES} nodes while cut off "
          f"({REPLICA_BENCH_SCENARIO}), then the heal; no faults")
    print("keys   nodes  converged after the heal (simulated)  whole run, host wall (median)")
    print(f"{keys:<6} {REPLICA_BENCH_NODES:<6} {converged_ms:>10.0f} ms{'':25} "
          f"{statistics.median(w for _, w in runs):.2f} s ({len(runs)} runs)")


if __name__ == "__main__":
    if sys.argv[1:] == ["--replica"]:  # only replication's convergence bench
        replica_table()
        sys.exit(0)
    if sys.argv[1:] == ["--interpreter"]:  # only the interpreter's table (quick)
        interpreter_table()
        sys.exit(0)
    if sys.argv[1:] == ["--z6"]:  # only z6's table (quick)
        z6_table()
        sys.exit(0)
    if sys.argv[1:] == ["--zix"]:  # only Zix's table (minutes: QEMU builds 1000 recipes)
        zix_table()
        sys.exit(0)
    if sys.argv[1:]:
        sys.exit("usage: tests/bench.sh [--interpreter | --z6 | --zix | --replica]")
    main()
    print()
    interpreter_table()
    print()
    graindb_table()
    print()
    z6_table()
    print()
    zix_table()
    print()
    replica_table()
