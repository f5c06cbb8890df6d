#!/usr/bin/env bash
# ./build.sh fleet: one seed range spread over machines with GNU parallel. The range is
# cut into chunks; each chunk is a job `basin-sim --seeds X..Y --jobs 1 --json FILE` run
# on one of the logins of the hosts file, in a per-run directory holding the build
# (build/basin-sim: the kernel and the programs are linked into it) and scenarios/ (the
# only files it reads). Each job prints its JSON lines; `basin-sim --merge-json` merges
# them into the --seeds summary (src/sim/cli/merge.c). Run `./build.sh fleet --help`.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

SIM=build/basin-sim
SEED_DIGITS_MAX=18        # bash arithmetic is signed 64-bit: seeds below 10^18
SEEDS_MAX=1000000         # as basin-sim --seeds
JOBS_PER_HOST_MAX=256     # as basin-sim --jobs
SLOTS_PER_LOGIN_GUESS=4   # without --jobs-per-host or N/ the cores are not known here
CHUNKS_PER_SLOT=4         # small enough chunks that a slow host does not hold the end
JOB_RETRIES=3             # tries of a failed job in all, on another login when there is one
REMOTE_BASE=.basin-fleet  # per-run directories go under each login's home
SSH=${PARALLEL_SSH:-ssh}  # GNU parallel's own variable: both use the same ssh
# GNU parallel quotes a remote job for the shell named by $SHELL; without it (cron, CI
# runners, env -i) every remote job fails and is reported as missing seeds.
export SHELL=${SHELL:-/bin/bash}

usage() {
    cat <<'USAGE'
usage: ./build.sh fleet --hosts FILE --seeds A..B [--scenario FILE] [--jobs-per-host N]
                        [--chunk N] [--json OUT] [--keep] [-- BASIN-SIM ARGS...]
Runs seeds A..B of basin-sim on the machines of FILE with GNU parallel and prints the
summary `basin-sim --seeds A..B` would print: failures grouped by invariant with the
first seed and its reproduce command; then the fleet's wall time and seeds per second.
  --hosts FILE        one GNU parallel sshlogin a line: [N/][user@]host, or ':' for this
                      machine (N: jobs there); '#' starts a comment. Ports, keys and
                      options go in ~/.ssh/config. The ssh command is $PARALLEL_SSH or ssh.
  --seeds A..B        decimal seeds, A <= B, below 10^18, at most 1000000 of them
  --scenario FILE     a scenario file inside this tree (copied with scenarios/)
  --jobs-per-host N   jobs at once on each login, 1..256 (default: its cores, or N/)
  --chunk N           seeds per job (default: about four jobs per job slot)
  --json OUT          the merged JSON lines, in seed order (basin-sim --json's format)
  --keep              keep the per-run directories on the hosts
  -- ARGS             more basin-sim options for every seed (--steps, --time, --bug, ...)
Every login gets build/basin-sim and scenarios/ in ~/.basin-fleet/RUN (removed at the
end unless --keep); ':' gets links to this tree instead of copies. A remote host needs
the same architecture and Debian 12 (libbearssl0, perl for GNU parallel), or a build of
the same commit there. A seed whose job died is 'missing' and fails. This machine keeps
the run's files in build/fleet/RUN/ (results.jsonl, joblog).
Exit status: 0 every seed passed, 1 any failed or missing, 2 bad usage (the message
names the bad input) or a login that cannot run the build.
USAGE
}

die() {
    echo "build.sh fleet: $*" >&2
    exit 2
}

hosts="" seeds="" scenario="" jobs_per_host="" chunk="" json="" keep=false
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --keep) keep=true; shift; continue ;;
        --) shift; extra=("$@"); break ;;
        --hosts|--seeds|--scenario|--jobs-per-host|--chunk|--json)
            [ $# -ge 2 ] || die "option $1 needs a value" ;;
        *) die "unknown option '$1' (see ./build.sh fleet --help)" ;;
    esac
    case "$1" in
        --hosts) hosts=$2 ;;
        --seeds) seeds=$2 ;;
        --scenario) scenario=$2 ;;
        --jobs-per-host) jobs_per_host=$2 ;;
        --chunk) chunk=$2 ;;
        --json) json=$2 ;;
    esac
    shift 2
done

# The logins of the hosts file, comments and blank lines left out, into $logins.
read_hosts() {
    [ -n "$hosts" ] || die "--hosts FILE is required (see ./build.sh fleet --help)"
    [ -f "$hosts" ] && [ -r "$hosts" ] || die "cannot read the hosts file '$hosts'"
    logins=()
    local line number=0
    while IFS= read -r line || [ -n "$line" ]; do
        number=$((number + 1))
        line=${line%%#*}
        line=$(echo "$line" | sed -E 's/^[[:space:]]+|[[:space:]]+$//g')
        [ -z "$line" ] && continue
        if ! [[ "$line" =~ ^([1-9][0-9]{0,2}/)?(:|[A-Za-z0-9_.%+-]+@?[A-Za-z0-9_.:%+-]*|\[[0-9A-Fa-f:]+\])$ ]]; then
            die "hosts file '$hosts' line $number: '$line' is not a login ([N/][user@]host or ':'; ports and keys go in ~/.ssh/config)"
        fi
        logins+=("$line")
    done < "$hosts"
    [ ${#logins[@]} -gt 0 ] || die "hosts file '$hosts' names no login (one [N/][user@]host or ':' a line)"
}

check_values() {
    [ -n "$seeds" ] || die "--seeds A..B is required (see ./build.sh fleet --help)"
    if ! [[ "$seeds" =~ ^([0-9]{1,$SEED_DIGITS_MAX})\.\.([0-9]{1,$SEED_DIGITS_MAX})$ ]]; then
        die "bad value '$seeds' for --seeds: expected A..B, decimal seeds below 10^18"
    fi
    first=$((10#${BASH_REMATCH[1]}))
    last=$((10#${BASH_REMATCH[2]}))
    [ "$first" -le "$last" ] || die "bad value '$seeds' for --seeds: A must not be above B"
    total=$((last - first + 1))
    [ "$total" -le "$SEEDS_MAX" ] || die "bad value '$seeds' for --seeds: more than $SEEDS_MAX seeds"
    if [ -n "$jobs_per_host" ] && ! { [[ "$jobs_per_host" =~ ^[1-9][0-9]{0,2}$ ]] && [ "$jobs_per_host" -le "$JOBS_PER_HOST_MAX" ]; }; then
        die "bad value '$jobs_per_host' for --jobs-per-host: expected 1..$JOBS_PER_HOST_MAX"
    fi
    if [ -n "$chunk" ] && ! { [[ "$chunk" =~ ^[1-9][0-9]{0,6}$ ]] && [ "$chunk" -le "$SEEDS_MAX" ]; }; then
        die "bad value '$chunk' for --chunk: expected 1..$SEEDS_MAX seeds"
    fi
    local arg
    for arg in "${extra[@]}"; do
        case "$arg" in
            --seed|--seed=*|--seeds*|--count*|--jobs*|--json*|--save-failures*|--merge-json*|--scenario*|\
            --trace*|--check-determinism|--print-scenario|--list-*|--help|-h)
                die "'$arg' after -- is not for a fleet (fleet sets the seeds, jobs and JSON; --scenario is its own option)" ;;
        esac
    done
}

# The scenario as a path inside the tree, the same on every host; sets $scenario_args.
check_scenario() {
    scenario_args=()
    [ -z "$scenario" ] && return 0
    [ -f "$scenario" ] || die "cannot read the scenario file '$scenario'"
    case "$scenario" in /*) scenario=${scenario#"$PWD"/} ;; esac
    case "$scenario" in
        /*|../*|*/../*) die "--scenario '$scenario' must be a file inside this tree (it is copied to the hosts at the same path)" ;;
    esac
    scenario_args=(--scenario "$scenario")
}

read_hosts
check_values
check_scenario
[ -x "$SIM" ] || die "$SIM is missing: run ./build.sh build first"
# The run's options, checked here as every job will take them: the merge of no lines
# refuses what `basin-sim --seeds` would (exit 2); else it reports every seed missing.
refusal=$("$SIM" --merge-json /dev/null --seeds "$seeds" "${scenario_args[@]}" "${extra[@]}" 2>&1 > /dev/null)
[ $? -eq 2 ] && die "basin-sim refuses the run's options: ${refusal%%$'\n'*}"

run=$(date -u +%Y%m%d-%H%M%S)-$$
remote_dir=$REMOTE_BASE/$run      # relative to a login's home
local_dir=build/fleet/$run        # this machine's record of the run
mkdir -p "$local_dir" || die "cannot create $local_dir"
printf '%s\n' "${logins[@]}" > "$local_dir/logins"

# Distinct hosts of the logins (N/ left out), one copy of the build each.
hosts_of_logins() {
    local login
    for login in "${logins[@]}"; do echo "${login#*/}"; done | awk '!seen[$0]++'
}

# ':' gets links into this tree; a remote host a copy over ssh, then a run of
# --list-invariants there proves the binary runs (architecture, libraries).
ship_one() { # HOST
    local host=$1 files=(build/basin-sim scenarios)
    if [ "$host" = ":" ]; then
        mkdir -p "$HOME/$remote_dir/build" &&
            ln -s "$PWD/build/basin-sim" "$HOME/$remote_dir/build/basin-sim" &&
            ln -s "$PWD/scenarios" "$HOME/$remote_dir/scenarios" || return 1
        [ -z "$scenario" ] || [ -e "$HOME/$remote_dir/$scenario" ] ||
            { mkdir -p "$HOME/$remote_dir/$(dirname "$scenario")" && ln -s "$PWD/$scenario" "$HOME/$remote_dir/$scenario"; }
        return
    fi
    case "$scenario" in ""|scenarios/*) ;; *) files+=("$scenario") ;; esac
    tar -cf - "${files[@]}" |
        $SSH "$host" "mkdir -p $remote_dir && tar -xf - -C $remote_dir && $remote_dir/build/basin-sim --list-invariants > /dev/null"
}

ship() {
    local host pids=() names=() i failed=()
    while IFS= read -r host; do
        ship_one "$host" > "$local_dir/ship-${#pids[@]}.log" 2>&1 &
        pids+=($!)
        names+=("$host")
    done < <(hosts_of_logins)
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" || failed+=("${names[$i]}: $(tail -1 "$local_dir/ship-$i.log")")
    done
    if [ ${#failed[@]} -gt 0 ]; then
        cleanup
        printf 'build.sh fleet: cannot set up %s\n' "${failed[@]}" >&2
        die "a login needs ssh without a password, the same architecture and Debian 12 (libbearssl0)"
    fi
}

cleanup() {
    $keep && return 0
    local host
    while IFS= read -r host; do
        if [ "$host" = ":" ]; then rm -rf "${HOME:?}/$remote_dir"
        else $SSH "$host" "rm -rf $remote_dir" < /dev/null > /dev/null 2>&1 || true
        fi
    done < <(hosts_of_logins)
}

# The chunks X..Y of the range, one a line.
chunks() {
    local slots=0 login size from
    for login in "${logins[@]}"; do
        if [ -n "$jobs_per_host" ]; then slots=$((slots + jobs_per_host))
        elif [[ "$login" == */* ]]; then slots=$((slots + ${login%%/*}))
        else slots=$((slots + SLOTS_PER_LOGIN_GUESS))
        fi
    done
    size=${chunk:-$(( (total + slots * CHUNKS_PER_SLOT - 1) / (slots * CHUNKS_PER_SLOT) ))}
    for ((from = first; from <= last; from += size)); do
        echo "$from..$(( from + size - 1 < last ? from + size - 1 : last ))"
    done
}

# One job: the chunk's JSON lines on stdout. Failing seeds (basin-sim's exit status 1)
# are results, so the job exits 0; any other status (a usage error, a killed basin-sim,
# or ssh's 255) fails the job, which GNU parallel runs again on another login
# (--retries), and puts basin-sim's last messages on stderr.
job_command() {
    local args
    args=$(printf ' %q' "${scenario_args[@]}" "${extra[@]}")
    printf '%s' "cd ~/$remote_dir || exit 3; build/basin-sim --seeds {} --jobs 1 --json chunk-{#}.json$args" \
        " > chunk-{#}.out 2> chunk-{#}.err; s=\$?; cat chunk-{#}.json 2> /dev/null;" \
        " [ \$s -le 1 ] || { echo \"fleet: seeds {} on \$(hostname): basin-sim exit status \$s\" >&2;" \
        " tail -3 chunk-{#}.err >&2; exit \$s; }"
}

ship
trap 'cleanup; exit 130' INT TERM # an interrupted run leaves no directory on the hosts
chunks > "$local_dir/chunks"
echo "fleet: seeds $seeds ($total) in $(wc -l < "$local_dir/chunks") chunks over ${#logins[@]} login(s); run $run, files in $local_dir/" >&2
parallel_jobs=()
[ -n "$jobs_per_host" ] && parallel_jobs=(-j "$jobs_per_host")
start_ns=$(date +%s%N)
parallel --sshloginfile "$local_dir/logins" "${parallel_jobs[@]}" --joblog "$local_dir/joblog" --retries "$JOB_RETRIES" \
    "$(job_command)" < "$local_dir/chunks" > "$local_dir/results.jsonl"
wall_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
cleanup
json_args=()
[ -n "$json" ] && json_args=(--json "$json")
"$SIM" --merge-json "$local_dir/results.jsonl" --seeds "$seeds" "${scenario_args[@]}" "${extra[@]}" "${json_args[@]}"
status=$?
failed_jobs=$(awk -F'\t' 'NR > 1 && $7 != 0' "$local_dir/joblog" | wc -l)
[ "$failed_jobs" -eq 0 ] || echo "fleet: $failed_jobs job run(s) failed (see $local_dir/joblog, column Exitval)" >&2
per_ten_s=$(( total * 10000 / (wall_ms + 1) ))
echo "fleet: $total seeds in $((wall_ms / 1000)).$(printf '%03d' $((wall_ms % 1000))) s wall over ${#logins[@]} login(s): $((per_ten_s / 10)).$((per_ten_s % 10)) seeds/s"
exit $status
