"""The benchmark table of ./build.sh bench (medians of RUNS runs each)."""
import os
import re
import statistics
import subprocess
import sys
import time

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SIM = "build/basin-sim"
FIRMWARE = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
SEEDS = [1, 2, 3, 4, 5]


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


if __name__ == "__main__":
    main()
    graindb_table()
