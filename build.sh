#!/usr/bin/env bash
# Grain Basin: the one entry point. Run `./build.sh --help`.
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(make gcc clang lld mtools python3 libsqlite3-dev liblmdb-dev gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc qemu-user
          opensbi u-boot-qemu libbearssl-dev libxxhash-dev device-tree-compiler parallel s6)
OPENSBI_FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
JOBS=$(nproc 2>/dev/null || echo 2)

usage() {
    cat <<'USAGE'
usage: ./build.sh [COMMAND] [ARGS]

Commands:
  build          build the simulator (build/basin-sim) and the RISC-V image
                 (build/riscv/basin.elf, build/riscv/Image); the default command.
                 The host build honours CC and CFLAGS (gcc and clang both work).
  sim [ARGS]     build, then run build/basin-sim with ARGS. Without ARGS: the
                 default scenario and a random seed, printed first. Try
                 `./build.sh sim --help`.
  qemu [ARGS]    build, then boot the image on QEMU virt under Debian's OpenSBI,
                 console on this terminal (Ctrl-A X quits). ARGS: --append "WORDS"
                 (boot arguments, default "init.end=login": init's rounds, then
                 z6's getty service and its login prompt), --smp N, --mem SIZE,
                 --uboot (boot as the Framework 13 does: OpenSBI -> U-Boot ->
                 extlinux.conf on build/image/qemu-virt/disk.img -> booti; the boot
                 arguments are then extlinux.conf's). The GrainDB disk is
                 build/disk.img (32 MiB, created on first use; delete it for a
                 fresh disk: programs are copied to a disk at its first boot
                 only, and a note says when the image has newer ones); under
                 --uboot it is a second virtio disk. The machine has a
                 virtio-rng device (entropy from the host); --no-rng leaves it
                 out (the kernel then seeds from timer jitter, QEMU's
                 /chosen/rng-seed and the seed file alone).
  image --board B
                 build the boot files for board B (framework13 or qemu-virt) into
                 build/image/B/: Image, initrd, extlinux/extlinux.conf, and disk.img
                 (a bootable FAT disk image for a microSD card). See
                 hw/framework13/README.md.
  test           run every test; ends with a line "N passed, N failed".
  bench          print the benchmark table (medians of several runs).
                 bench --replica: only replication's convergence (10,002 keys, 3 nodes).
  fleet --hosts FILE --seeds A..B [--scenario FILE] [--jobs-per-host N] [--json OUT]
        [-- ARGS]
                 build, then run seeds A..B of basin-sim over the machines of FILE
                 (GNU parallel sshlogins, ':' for this one), copying the build to
                 each, and merge their results into one summary with failures
                 grouped by invariant. See `./build.sh fleet --help` and README.md.
  coverage [--seeds N] [--jobs N] [--scenario FILE]...
                 build basin-sim with gcov (build/coverage), run seeds 1..N (default
                 2) of every scenario, print line coverage per file of the portable
                 code, the lines never reached (build/coverage/uncovered.txt) and
                 the totals; hardware-only and unreachable lines are explained in
                 tools/coverage_unreachable.txt. Exit 1 when a seed failed.
  deps           install the Debian 12 packages the build needs, when missing
                 (as root: apt-get; otherwise prints the apt-get line, exits 1).
  clean          remove build/.
  help           this text.

Every command except help and clean first runs `deps`.
USAGE
}

deps() {
    local missing=()
    for package in "${PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "build.sh: missing Debian packages: ${missing[*]}" >&2
        echo "build.sh: install them with:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "build.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

build() {
    make -s -j"$JOBS" all
}

qemu_run() {
    local append="init.end=login" smp=1 mem=128M uboot=false append_given=false rng=true
    while [ $# -gt 0 ]; do
        case "$1" in
            --append) append="$2"; append_given=true; shift 2 ;;
            --smp) smp="$2"; shift 2 ;;
            --mem) mem="$2"; shift 2 ;;
            --uboot) uboot=true; shift ;;
            --no-rng) rng=false; shift ;;
            -h|--help) usage; exit 0 ;;
            *) echo "build.sh qemu: unknown option '$1' (see ./build.sh --help)" >&2; exit 2 ;;
        esac
    done
    # GrainDB's disk: build/disk.img, 32 MiB of zeros on first use (the kernel formats
    # it at first boot; delete the file for a fresh one). Under --uboot it is a second
    # virtio-blk disk beside U-Boot's read-only boot disk, which the kernel skips.
    local disk=build/disk.img
    # The kernel imports the programs at a disk's first boot only: remember which
    # archive that was, and say so when the image now carries another one.
    local archive_sum
    archive_sum=$(sha256sum build/riscv/initrd.cpio | cut -d' ' -f1)
    if [ ! -f "$disk" ]; then
        truncate -s 32M "$disk"
        echo "$archive_sum" > "$disk.archive"
    elif [ "$(cat "$disk.archive" 2>/dev/null)" != "$archive_sum" ]; then
        echo "build.sh qemu: note: $disk was first booted by another build; its /bin keeps" \
             "that build's programs. Delete $disk (and lose its files) for the new ones." >&2
    fi
    local disk_args=(-drive "file=$disk,format=raw,if=none,id=graindb"
                     -device virtio-blk-device,drive=graindb)
    local rng_args=(-device virtio-rng-device) rng_option=()
    $rng || { rng_args=(); rng_option=(--no-rng); }
    if $uboot; then
        if $append_given; then
            echo "build.sh qemu: --append does not apply to --uboot (edit hw/framework13/extlinux.conf)" >&2
            exit 2
        fi
        make -s image-qemu-virt
        exec hw/qemu-virt/run.sh --chain uboot --smp "$smp" --mem "$mem" "${rng_option[@]}" -- "${disk_args[@]}"
    fi
    exec qemu-system-riscv64 -machine virt -m "$mem" -smp "$smp" -nographic \
        -bios "$OPENSBI_FW" -kernel build/riscv/Image -append "$append" "${disk_args[@]}" "${rng_args[@]}"
}

image_build() {
    local board=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --board) board="$2"; shift 2 ;;
            -h|--help) usage; exit 0 ;;
            *) echo "build.sh image: unknown option '$1' (see ./build.sh --help)" >&2; exit 2 ;;
        esac
    done
    case "$board" in
        framework13|qemu-virt) ;;
        *) echo "build.sh image: --board framework13 or --board qemu-virt" >&2; exit 2 ;;
    esac
    make -s "image-$board"
    echo "build/image/$board/: Image, initrd, extlinux/extlinux.conf, disk.img"
}

command=${1:-build}
[ $# -gt 0 ] && shift
case "$command" in
    help|-h|--help) usage ;;
    deps) deps ;;
    clean) rm -rf build ;;
    build) deps; build ;;
    sim) deps; build; exec build/basin-sim "$@" ;;
    qemu) deps; build; qemu_run "$@" ;;
    image) deps; build; image_build "$@" ;;
    test) deps; exec tests/run.sh "$@" ;;
    bench) deps; build; exec tests/bench.sh "$@" ;;
    fleet) case "${1:-}" in -h|--help) exec tools/fleet.sh --help ;; esac
           deps; build; exec tools/fleet.sh "$@" ;;
    coverage) deps; exec tools/coverage.sh "$@" ;;
    *) echo "build.sh: unknown command '$command' (see ./build.sh --help)" >&2; exit 2 ;;
esac
