// The simulator's run: its configuration, its nodes, the event loop, fault settings,
// trace and counters. Everything a run does follows from struct sim_config (the seed
// above all); nothing reads the host clock or host randomness. This header is the
// loop's API and the run's state only: a file includes the node (sim/machine/node.h),
// the invariants, the trace or the faults itself when it uses them.
#pragma once

#include <stdio.h>

#include "faults/faults.h"             // the run's fault requests, settings and counts
#include "faults/pcg32.h"              // the swarm stream
#include "kernel/bugs.h"               // BUG_COUNT
#include "kernel/kernel.h"             // enum log_level, BOOTARGS_LEN_MAX
#include "sim/invariants/invariants.h" // the invariants' counters the run keeps
#include "sim/machine/disk.h"          // enum disk_fault_scope
#include "sim/trace.h"                 // struct trace

#define NODES_MAX 8
#define SIM_COMMAND_BYTES_MAX 1024
#define SIM_BUG_NONDETERMINISTIC_STEP 1000ull // the step whose event the planted bug perturbs
#define SIM_PROGRESS_STEPS 262144ull // --progress prints every this many steps

struct platform; // one node (sim/machine/node.h)
struct network;  // the run's network (sim/machine/network.h)

// The liveness phase (sim/liveness.c), for the report and for others to read.
struct sim_liveness {
    bool healed;          // heal_at passed: every fault kind off, partitions healed
    u64 healed_at_ns;     // the run's time when it healed
    bool converged;       // replica_cluster_converged answered true after the heal
    u64 convergence_ns;   // from the heal to that answer
    u64 checks;           // times the predicate was asked
    u64 last_check_ms;    // the simulated millisecond of the last question
    struct fault_setting faults_before_heal[FAULT_COUNT]; // what the swarm resolved (shrink.c)
};

struct sim_config {
    u64 seed;
    u32 nodes_count;     // 1..NODES_MAX
    u64 time_limit_ns;   // 0: none
    u64 steps_limit;     // 0: none
    u64 life_limit_ns;   // 0: none; else each life must reach init's end within it
    enum log_level log_level;
    bool bugs[BUG_COUNT];
    char bootargs[BOOTARGS_LEN_MAX]; // including loglevel=
    struct fault_request faults[FAULT_COUNT];
    u64 disk_size_bytes; // per node; 0: no disk
    enum disk_fault_scope disk_fault_scope;
    bool progress;
    bool no_invariants; // benchmark only: the run is NOT checked (but the workload's own
                        // verdicts still are: workload_checks_pass, workload_reaches_end)
    bool no_block_cache; // benchmark only: user code decoded at every execution (same run)
    bool limits_from_scenario; // the scenario's time/steps limit (not --time, --steps)
    FILE *trace_file;                      // NULL: no --trace
    struct trace_json *trace_json;         // NULL: no --trace-json (main owns it)
    FILE *event_stream; // NULL: not a --check-determinism run (trace.h: struct trace stream)
    // --bug sim-nondeterministic: a simulator-side planted bug (kernel code never reads
    // host state) that lets the host's process id decide one event's argument, so that
    // --check-determinism has something to catch.
    bool bug_sim_nondeterministic;
    char command[SIM_COMMAND_BYTES_MAX];   // reproduces this run
    char scenario_name[SIM_COMMAND_BYTES_MAX]; // for the settings line ("built-in" if none)
    // NULL: none. Called after a violation's report, before exit(1): --seeds children
    // send their result to the parent through it (sim/cli/seeds.c).
    void (*violation_hook)(const struct sim *sim, u32 invariant);
    // ---- issue 14: the network (sim/machine/network.h) and the liveness phase (sim/liveness.h)
    u64 net_latency_min_ns; // each datagram's latency, drawn per link (0 and 0: the defaults)
    u64 net_latency_max_ns;
    bool net_cut_until_heal; // every link down from the start until the heal
    u64 net_probe_every_ns;  // the simulator's own probes between nodes (0: none)
    u64 liveness_heal_at_ns; // 0: no liveness phase
    u64 liveness_bound_ns;   // the cluster must converge within this after the heal
    // --bug sim-never-converges: a simulator-side planted bug: the convergence predicate
    // always answers false, so the liveness failure path (exit 3) has something to catch.
    bool bug_sim_never_converges;
    // NULL: none. Called after a liveness failure's report, before exit(3) (seeds.c).
    void (*liveness_hook)(const struct sim *sim);
};

struct sim {
    struct sim_config config;
    struct fault_setting faults[FAULT_COUNT];
    struct platform *nodes[NODES_MAX];
    struct platform *current; // node inside a kernel call, for platform_panic
    u64 step;
    u64 time_ns; // latest node time reached by a step
    struct trace trace;
    u64 faults_injected[FAULT_COUNT];
    u64 power_loss_sites[POWER_LOSS_SITE_COUNT]; // where the power losses struck
    struct storage_scratch *storage_scratch;     // invariant_storage*.c; NULL until needed
    u64 invariant_checks[INVARIANT_COUNT];
    struct security_counts security; // syscalls, denials and changes the models saw
    u64 repairs_unverified; // pieces of repairs GrainDB reported unverified (repairs_read_back)
    u64 checkpoints_damaged_at_mount; // mounts whose recovery replayed the log past a damaged checkpoint
    u64 checkpoints_unnamed_at_mount; // ... of which no room for a new one: un-named
    u64 files_unchecked; // acknowledged files not checked (the filesystem was not inspectable)
    struct workload_counts workload; // verdicts and ends of the workloads (invariant_workload.c)
    struct z6_counts z6;             // what z6 did (invariant_z6.c), for the summary
    struct zix_counts zix;           // what Zix did (invariant_zix.c), for the summary
    struct zix_run *zix_run;         // the zix invariants' account (NULL until needed)
    struct pcg32 swarm;
    struct replica_counts replica;        // what the replica invariants saw (invariant_replica.c)
    struct replica_check *replica_check;  // their tables (NULL until needed)
    struct network *network; // the run's (sim/machine/network.h); every run has one
    struct sim_liveness liveness;
};

enum sim_end { SIM_END_ALL_OFF = 0, SIM_END_TIME, SIM_END_STEPS, SIM_END_CONVERGED };

// NULL when memory runs out. Resolves the swarm and boots nothing yet.
struct sim *sim_create(const struct sim_config *config);
void sim_destroy(struct sim *sim);
enum sim_end sim_run(struct sim *sim);
// One step of the loop; false when the run is over (*end says why).
bool sim_step(struct sim *sim, enum sim_end *end);

// Records one event of a node (kernel or simulator kind) and runs event invariants.
void sim_trace(struct platform *node, u32 kind, u64 a, u64 b, u64 c);
void sim_count_fault(struct platform *node, u32 kind, u64 detail_b, u64 detail_c);

