#!/usr/bin/env bash
# The same seed prints the same trace hash on every run, with gcc and clang at -O0
# and -O2, and under AddressSanitizer + UndefinedBehaviorSanitizer.
source "$(dirname "$0")/lib.sh"
source tests/sim_lib.sh
SEEDS=${DETERMINISM_SEEDS:-24}               # seeds of one-life.scenario (a short run)
DEFAULT_SEEDS=${DETERMINISM_DEFAULT_SEEDS:-2} # seeds of the default run, its first 3 s
DEFAULT_TIME=${DETERMINISM_DEFAULT_TIME:-3s}  # (reboots, the filesystem phase, the fuzzers)
mkdir -p build/variants build/test-logs/determinism

variants=("gcc-O0 gcc -O0 -g" "gcc-O2 gcc -O2 -g" "clang-O0 clang -O0 -g" "clang-O2 clang -O2 -g"
          "clang-asan-ubsan clang -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer")
names=()
binaries=()
for v in "${variants[@]}"; do
    read -r name cc cflags <<< "$v"
    if binary=$(build_variant "$name" "$cc" "$cflags"); then
        ok "build variant $name"; names+=("$name"); binaries+=("$binary")
    else
        not_ok "build variant $name" "see build/variants/$name.log"
    fi
done

export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
runs=()
for seed in $(seq 1 "$SEEDS"); do runs+=("$seed one-life --scenario scenarios/one-life.scenario"); done
for seed in $(seq 1 "$DEFAULT_SEEDS"); do runs+=("$seed default --time $DEFAULT_TIME"); done
for run in "${runs[@]}"; do
    read -r seed label args <<< "$run"
    reference=""
    verdict=ok
    why=""
    for i in "${!binaries[@]}"; do
        out=build/test-logs/determinism/$label-seed$seed-${names[$i]}.log
        # shellcheck disable=SC2086
        "${binaries[$i]}" --seed "$seed" $args > "$out" 2>&1
        status=$?
        hash=$(trace_hash "$out")
        if [ $status -gt 1 ] || [ -z "$hash" ]; then verdict=not_ok; why="${names[$i]} exit $status, no hash ($out)"; break; fi
        if [ -z "$reference" ]; then reference=$hash; reference_status=$status
        elif [ "$hash" != "$reference" ] || [ $status -ne $reference_status ]; then
            verdict=not_ok; why="${names[$i]} printed $hash (exit $status), ${names[0]} printed $reference"; break
        fi
    done
    # A second run of the same binary gives the same hash too.
    # shellcheck disable=SC2086
    again=$("${binaries[0]}" --seed "$seed" $args 2>&1 | grep -oE 'trace hash:? +[0-9a-f]{16}' | grep -oE '[0-9a-f]{16}$')
    if [ "$verdict" = ok ] && [ "$again" != "$reference" ]; then verdict=not_ok; why="rerun printed $again, first $reference"; fi
    if [ "$verdict" = ok ]; then ok "$label seed $seed: hash $reference on ${#binaries[@]} builds and a rerun"
    else not_ok "$label seed $seed" "$why"; fi
done

# The syscall fuzzer's scenario: hostile arguments through every build variant.
for seed in $(seq 1 "${DETERMINISM_FUZZ_SEEDS:-6}"); do
    hashes=""
    why=""
    for i in "${!binaries[@]}"; do
        out=build/test-logs/determinism/fuzz-seed$seed-${names[$i]}.log
        "${binaries[$i]}" --seed "$seed" --scenario scenarios/fuzz.scenario > "$out" 2>&1
        status=$?
        [ $status -eq 0 ] || why="${names[$i]} exit $status ($out)"
        hashes="$hashes $(trace_hash "$out")"
    done
    distinct=$(echo "$hashes" | tr ' ' '\n' | grep -c . | tr -d ' ')
    unique=$(echo "$hashes" | tr ' ' '\n' | grep . | sort -u | wc -l)
    if [ -z "$why" ] && [ "$distinct" -eq "${#binaries[@]}" ] && [ "$unique" -eq 1 ]; then
        ok "fuzz seed $seed: one hash on ${#binaries[@]} builds"
    else
        not_ok "fuzz seed $seed" "${why:-hashes differ:$hashes}"
    fi
done
