// Scenario files: plain `key = value` lines, `#` comment lines, blank lines. Every
// key is documented at the top of scenarios/default.scenario. An unknown key, a bad
// value or a duplicate key is an error naming the file, the line and the key.
#pragma once

#include <stdio.h>

#include "faults/faults.h"
#include "kernel/kernel.h"
#include "sim/machine/disk.h"

#define SCENARIO_LINE_BYTES_MAX 512
#define SCENARIO_FILE_BYTES_MAX 65536
#define SCENARIO_ERROR_BYTES_MAX 512
#define SCENARIO_TIME_DEFAULT_NS 5000000000ull // when neither time nor steps is given: a first boot
                                                // with slow disks takes up to about 2.5 s
#define SCENARIO_TIME_DEFAULT_TEXT "5s"                 // the same, as a scenario file spells it
#define SCENARIO_BOOTARGS_DEFAULT "init.end=poweroff"
// The default run exercises the whole system for 10 s of simulated time: every life
// verifies what the one before acknowledged, runs the test programs, the filesystem
// phase (file tools, fstest, permtest as xy and root, shtest, storage) and both
// fuzzers, then reboots; swarm faults cut lives short. Each life must reach init's
// end within `life` of its boot (workload_reaches_end).
#define SCENARIO_DEFAULT_RUN_KEYS                                                        \
    "time = 10s\n"                                                                     \
    "life = 5s\n"                                                                      \
    "bootargs = init.end=reboot init.storage=verify init.fs=1 init.fuzz=300\n"
#define SCENARIO_TIME_TEXT_BYTES_MAX 32
#define SCENARIO_INCLUDE_DEPTH_MAX 8 // files open at once: the one loaded and its bases

struct scenario {
    u32 nodes_count;
    bool time_given;
    u64 time_ns; // 0: no time limit
    char time_text[SCENARIO_TIME_TEXT_BYTES_MAX];
    bool steps_given;
    u64 steps; // 0: no step limit
    u64 life_ns; // 0: a life may last the whole run (see `life` in default.scenario)
    char life_text[SCENARIO_TIME_TEXT_BYTES_MAX];
    char bootargs[BOOTARGS_LEN_MAX];
    struct fault_request faults[FAULT_COUNT];
    u64 disk_size_bytes; // per node; 0: no disk (default DISK_SIZE_DEFAULT_BYTES)
    enum disk_fault_scope disk_fault_scope; // default recoverable
    // issue 14: the network and the liveness phase (net.*, liveness.* keys)
    u64 net_latency_min_ns; // default NET_LATENCY_MIN_DEFAULT_NS
    u64 net_latency_max_ns; // default NET_LATENCY_MAX_DEFAULT_NS
    char net_latency_min_text[SCENARIO_TIME_TEXT_BYTES_MAX];
    char net_latency_max_text[SCENARIO_TIME_TEXT_BYTES_MAX];
    bool net_cut_until_heal;
    u64 net_probe_every_ns; // 0: none
    char net_probe_every_text[SCENARIO_TIME_TEXT_BYTES_MAX];
    u64 liveness_heal_at_ns; // 0: no liveness phase
    u64 liveness_bound_ns;   // 0: not given
    char liveness_heal_at_text[SCENARIO_TIME_TEXT_BYTES_MAX];
    char liveness_bound_text[SCENARIO_TIME_TEXT_BYTES_MAX];
};

// The base every scenario file starts from (and every key a file does not give).
void scenario_defaults(struct scenario *scenario);
// The run without --scenario: the base with SCENARIO_DEFAULT_RUN_KEYS over it, the same
// settings as scenarios/default.scenario (a unit test holds them equal).
void scenario_default_run(struct scenario *scenario);
// Parses text (named `name` in errors) over the defaults already in *scenario. Text
// that is not a file cannot include one.
bool scenario_parse(struct scenario *scenario, const char *name, const char *text, char *error,
                    u32 error_capacity);
// Loads a file over the defaults already in *scenario. Its first key may be
// `include = BASE`: BASE (relative to the file's folder) is loaded first, then the
// file's own keys override it. Bases may include bases, up to SCENARIO_INCLUDE_DEPTH_MAX
// files in all; a cycle is refused. An error in a base names the base's file and line,
// then the line of the file that included it.
bool scenario_load(struct scenario *scenario, const char *path, char *error, u32 error_capacity);
// Every setting as a scenario file would state it: what a file amounts to, bases and
// defaults included (basin-sim --print-scenario).
void scenario_print(const struct scenario *scenario, FILE *out);
