// Chrome trace event JSON (trace_json.h). Slices ("ph":"X") are written when they end,
// so each track's slices come in the order they started; times are the node's
// simulated time in microseconds with three decimals (nanoseconds exactly).
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "faults/faults.h"
#include "kernel/abi.h"
#include "kernel/platform.h"
#include "kernel/syscall.h"
#include "sim/invariants/invariants.h"
#include "sim/machine/disk.h"
#include "sim/trace_json.h"

#define TRACE_JSON_NODES_MAX 8           // nodes with tracks of their own (NODES_MAX)
#define TRACE_JSON_OPEN_MAX 64           // processes per node followed at once (PROCS_MAX)
#define TRACE_JSON_KERNEL_TID 0          // no process has pid 0
#define TRACE_JSON_DISK_TID 1000000000ull // above any pid a run reaches
#define TRACE_JSON_ARGS_BYTES 160
#define TRACE_JSON_NAME_BYTES 64
#define TRACE_JSON_EXACT_MAX (1ull << 53) // larger integers are written as strings

// A process's open slices: user code from a schedule to its trap, a syscall from its
// trap to the result (or to the wake of a sleep, or to the exit).
struct trace_json_proc {
    u64 pid; // 0: free
    u64 run_start_ns;
    u64 call_start_ns;
    bool running;
    bool in_call;
};

struct trace_json_node {
    bool named;
    u64 latency_extra_ns; // a disk_latency fault's delay, for the disk operation it slows
    struct trace_json_proc procs[TRACE_JSON_OPEN_MAX];
};

struct trace_json {
    FILE *file;
    bool failed;
    u64 written;
    struct trace_json_node nodes[TRACE_JSON_NODES_MAX];
};

// One event; name and cat are plain identifiers from the tables, never escaped.
struct trace_json_item {
    const char *name;
    const char *cat;
    char ph;
    char scope; // instants: 't' thread, 'p' node, 'g' everything
    u32 node;
    u64 tid;
    u64 ts_ns;
    u64 dur_ns;
    const char *args; // the members of "args", "" for none
};

static void json_printf(struct trace_json *j, const char *format, ...) {
    assert(j != NULL);
    assert(format != NULL);
    if (j->failed) return;
    va_list list;
    va_start(list, format);
    if (vfprintf(j->file, format, list) < 0) j->failed = true;
    va_end(list);
}

static void emit(struct trace_json *j, const struct trace_json_item *item) {
    assert(item->name != NULL);
    assert(item->args != NULL);
    json_printf(j, "%s\n{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"%c\",\"pid\":%" PRIu32
                ",\"tid\":%" PRIu64 ",\"ts\":%" PRIu64 ".%03" PRIu64,
                j->written == 0 ? "" : ",", item->name, item->cat, item->ph, item->node,
                item->tid, item->ts_ns / 1000u, item->ts_ns % 1000u);
    if (item->ph == 'X') {
        json_printf(j, ",\"dur\":%" PRIu64 ".%03" PRIu64, item->dur_ns / 1000u, item->dur_ns % 1000u);
    }
    if (item->ph == 'i') json_printf(j, ",\"s\":\"%c\"", item->scope);
    json_printf(j, ",\"args\":{%s}}", item->args);
    j->written++;
}

static void emit_metadata(struct trace_json *j, u32 node, u64 tid, const char *what, const char *name) {
    char args[TRACE_JSON_ARGS_BYTES];
    snprintf(args, sizeof(args), "\"name\":\"%s\"", name);
    struct trace_json_item item = {.name = what, .cat = "__metadata", .ph = 'M', .node = node,
                                   .tid = tid, .args = args};
    emit(j, &item);
}

static void emit_instant(struct trace_json *j, const struct trace_event *e, u64 tid, char scope,
                         const char *name, const char *args) {
    struct trace_json_item item = {.name = name, .cat = trace_kind_name(e->kind), .ph = 'i',
                                   .scope = scope, .node = e->node, .tid = tid,
                                   .ts_ns = e->time_ns, .args = args};
    emit(j, &item);
}

static void emit_slice(struct trace_json *j, const struct trace_event *e, u64 tid, const char *cat,
                       const char *name, u64 start_ns, const char *args) {
    assert(start_ns <= e->time_ns);
    struct trace_json_item item = {.name = name, .cat = cat, .ph = 'X', .node = e->node, .tid = tid,
                                   .ts_ns = start_ns, .dur_ns = e->time_ns - start_ns, .args = args};
    emit(j, &item);
}

// A JSON value for a trace argument: exact integers as numbers, small negatives
// (error codes) signed, the rest (hashes, addresses) as hex strings.
static void json_value(u64 value, char *text, u32 capacity) {
    if (value < TRACE_JSON_EXACT_MAX) snprintf(text, capacity, "%" PRIu64, value);
    else if ((i64)value < 0 && (i64)value > -(i64)TRACE_JSON_EXACT_MAX) snprintf(text, capacity, "%" PRIi64, (i64)value);
    else snprintf(text, capacity, "\"0x%" PRIx64 "\"", value);
}

static void format_args(const struct trace_event *e, const char *const names[3], char *args, u32 capacity) {
    char values[3][32];
    json_value(e->a, values[0], sizeof(values[0]));
    json_value(e->b, values[1], sizeof(values[1]));
    json_value(e->c, values[2], sizeof(values[2]));
    int written = snprintf(args, capacity, "\"%s\":%s,\"%s\":%s,\"%s\":%s,\"step\":%" PRIu64,
                           names[0], values[0], names[1], values[1], names[2], values[2], e->step);
    assert(written > 0);
}

static struct trace_json_proc *proc_find(struct trace_json_node *n, u64 pid, bool add) {
    struct trace_json_proc *free_slot = NULL;
    for (u32 i = 0; i < TRACE_JSON_OPEN_MAX; i++) {
        if (n->procs[i].pid == pid) return &n->procs[i];
        if (n->procs[i].pid == 0 && free_slot == NULL) free_slot = &n->procs[i];
    }
    if (!add || free_slot == NULL) return NULL; // more processes than followed: no slices
    memset(free_slot, 0, sizeof(*free_slot));
    free_slot->pid = pid;
    return free_slot;
}

static void node_named(struct trace_json *j, u32 node) {
    char name[TRACE_JSON_NAME_BYTES];
    snprintf(name, sizeof(name), "node %" PRIu32, node);
    emit_metadata(j, node, TRACE_JSON_KERNEL_TID, "process_name", name);
    emit_metadata(j, node, TRACE_JSON_KERNEL_TID, "thread_name", "kernel");
    emit_metadata(j, node, TRACE_JSON_DISK_TID, "thread_name", "disk");
}

#define TRACE_JSON_MEANING(id, name, args) [id] = args,
static const char *const kernel_meanings[TRACE_KERNEL_COUNT] = {TRACE_KERNEL_LIST(TRACE_JSON_MEANING)};
#undef TRACE_JSON_MEANING
#define TRACE_JSON_MEANING(id, name, args) [id - TRACE_SIM_BASE] = args,
static const char *const sim_meanings[TRACE_SIM_END - TRACE_SIM_BASE] = {TRACE_SIM_LIST(TRACE_JSON_MEANING)};
#undef TRACE_JSON_MEANING

// The event's three integers and what they mean (the comment of its kind).
static void event_args(const struct trace_event *e, char *args, u32 capacity) {
    static const char *const names[3] = {"a", "b", "c"};
    const char *meaning = "";
    if (e->kind > TRACE_NONE && e->kind < TRACE_KERNEL_COUNT) meaning = kernel_meanings[e->kind];
    if (e->kind >= TRACE_SIM_BASE && e->kind < TRACE_SIM_END) meaning = sim_meanings[e->kind - TRACE_SIM_BASE];
    char values[TRACE_JSON_ARGS_BYTES];
    format_args(e, names, values, sizeof(values));
    snprintf(args, capacity, "%s,\"meaning\":\"%s\"", values, meaning);
}

static void on_trap(struct trace_json *j, struct trace_json_proc *p, const struct trace_event *e) {
    char args[TRACE_JSON_ARGS_BYTES * 2];
    event_args(e, args, sizeof(args));
    if (p->running) emit_slice(j, e, e->a, "user", "user code", p->run_start_ns, args);
    p->running = false;
    if (e->b == TRAP_ECALL_FROM_USER) {
        p->in_call = true;
        p->call_start_ns = e->time_ns;
    } else if ((e->b & TRAP_INTERRUPT_BIT) == 0) {
        emit_instant(j, e, e->a, 't', "trap", args);
    }
}

// Ends the process's open syscall as a slice named name (a blocked call ends at its
// wake or the exit, with no result event of its own).
static void end_call(struct trace_json *j, struct trace_json_proc *p, const struct trace_event *e,
                     const char *name) {
    if (!p->in_call) return;
    char args[TRACE_JSON_ARGS_BYTES * 2];
    event_args(e, args, sizeof(args));
    emit_slice(j, e, e->a, "syscall", name, p->call_start_ns, args);
    p->in_call = false;
}

static void on_process(struct trace_json *j, struct trace_json_node *n, const struct trace_event *e) {
    char name[TRACE_JSON_NAME_BYTES];
    struct trace_json_proc *p = proc_find(n, e->a, e->kind != TRACE_EXIT);
    if (e->kind == TRACE_SPAWN) {
        snprintf(name, sizeof(name), "pid %" PRIu64 " (uid %" PRIu64 ")", e->a, e->c);
        emit_metadata(j, e->node, e->a, "thread_name", name);
    }
    if (p == NULL) return;
    if (e->kind == TRACE_SCHEDULE) {
        p->running = true;
        p->run_start_ns = e->time_ns;
    } else if (e->kind == TRACE_TRAP) {
        on_trap(j, p, e);
    } else if (e->kind == TRACE_SYSCALL) {
        end_call(j, p, e, syscall_name(e->b));
    } else if (e->kind == TRACE_WAKE) {
        end_call(j, p, e, "sleep");
    } else if (e->kind == TRACE_EXIT) {
        end_call(j, p, e, "exit");
        char args[TRACE_JSON_ARGS_BYTES * 2];
        event_args(e, args, sizeof(args));
        emit_instant(j, e, e->a, 't', "exit", args);
        memset(p, 0, sizeof(*p));
    }
}

// A disk operation's slice ends at its event (the latency was added before it was
// traced) and lasts the device's latency: the base and per-sector cost of disk.h plus a
// disk_latency fault's delay. Operations refused before reaching the device take none.
static void on_disk(struct trace_json *j, struct trace_json_node *n, const struct trace_event *e) {
    static const char *const names[3] = {"sector", "sectors", "result"};
    static const char *const flush_names[3] = {"writes landed", "sectors", "result"};
    i64 result = (i64)e->c;
    u64 latency_ns = 0;
    const char *name = "flush";
    if (e->kind == TRACE_SIM_DISK_FLUSH) {
        if (result != -E_NODEV) latency_ns = DISK_FLUSH_BASE_NS + e->b * DISK_SECTOR_NS;
    } else {
        name = e->kind == TRACE_SIM_DISK_READ ? "read" : "write";
        bool refused = e->b == 0 || result == -E_INVAL || result == -E_NODEV;
        if (!refused) latency_ns = DISK_OP_BASE_NS + e->b * DISK_SECTOR_NS;
    }
    if (latency_ns != 0) latency_ns += n->latency_extra_ns;
    n->latency_extra_ns = 0;
    if (latency_ns > e->time_ns) latency_ns = e->time_ns; // cannot start before time 0
    char args[TRACE_JSON_ARGS_BYTES];
    format_args(e, e->kind == TRACE_SIM_DISK_FLUSH ? flush_names : names, args, sizeof(args));
    emit_slice(j, e, TRACE_JSON_DISK_TID, "disk", name, e->time_ns - latency_ns, args);
}

// A boot or a power loss ends every open slice of the node without writing it.
static void node_reset(struct trace_json_node *n) {
    memset(n->procs, 0, sizeof(n->procs));
    n->latency_extra_ns = 0;
}

static void on_fault(struct trace_json *j, struct trace_json_node *n, const struct trace_event *e,
                     const char *args) {
    const char *fault = e->a < FAULT_COUNT ? fault_name((u32)e->a) : "unknown";
    if (e->a == FAULT_DISK_LATENCY) n->latency_extra_ns = e->b;
    char name[TRACE_JSON_NAME_BYTES];
    snprintf(name, sizeof(name), "fault %s", fault);
    bool disk = strncmp(fault, "disk", 4) == 0;
    emit_instant(j, e, disk ? TRACE_JSON_DISK_TID : TRACE_JSON_KERNEL_TID, 't', name, args);
}

// Node-wide events: boots and power losses mark the whole node ('p'), the violation
// the whole run ('g'); the rest are instants on the kernel's track.
static void on_node(struct trace_json *j, struct trace_json_node *n, const struct trace_event *e) {
    char args[TRACE_JSON_ARGS_BYTES * 2];
    event_args(e, args, sizeof(args));
    char name[TRACE_JSON_NAME_BYTES];
    switch (e->kind) {
    case TRACE_SIM_FAULT: on_fault(j, n, e, args); return;
    case TRACE_SIM_BOOT:
        node_reset(n);
        snprintf(name, sizeof(name), "boot %" PRIu64, e->a);
        emit_instant(j, e, TRACE_JSON_KERNEL_TID, 'p', name, args);
        return;
    case TRACE_SIM_POWER_LOSS:
        node_reset(n);
        emit_instant(j, e, TRACE_JSON_KERNEL_TID, 'p', "power loss", args);
        return;
    case TRACE_SIM_VIOLATION:
        snprintf(name, sizeof(name), "violation %s",
                 e->a < INVARIANT_COUNT ? invariant_name((u32)e->a) : "unknown");
        emit_instant(j, e, TRACE_JSON_KERNEL_TID, 'g', name, args);
        return;
    case TRACE_SIM_DISK_UNFLUSHED:
    case TRACE_SIM_DISK_ATLAS_REFUSED:
        emit_instant(j, e, TRACE_JSON_DISK_TID, 't', trace_kind_name(e->kind), args);
        return;
    case TRACE_BOOT: node_reset(n); break;
    default: break;
    }
    emit_instant(j, e, TRACE_JSON_KERNEL_TID, 't', trace_kind_name(e->kind), args);
}

struct trace_json *trace_json_create(FILE *file) {
    assert(file != NULL);
    struct trace_json *j = calloc(1, sizeof(*j));
    if (j == NULL) return NULL;
    j->file = file;
    json_printf(j, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"clock\":\"simulated time of each node\"},"
                   "\"traceEvents\":[");
    return j;
}

void trace_json_event(struct trace_json *j, const struct trace_event *e) {
    assert(j != NULL);
    assert(e != NULL);
    if (e->node >= TRACE_JSON_NODES_MAX) return; // more nodes than NODES_MAX: not drawn
    struct trace_json_node *n = &j->nodes[e->node];
    if (!n->named) node_named(j, e->node);
    n->named = true;
    switch (e->kind) {
    case TRACE_SPAWN:
    case TRACE_SCHEDULE:
    case TRACE_TRAP:
    case TRACE_SYSCALL:
    case TRACE_WAKE:
    case TRACE_EXIT: on_process(j, n, e); return;
    case TRACE_SIM_DISK_READ:
    case TRACE_SIM_DISK_WRITE:
    case TRACE_SIM_DISK_FLUSH: on_disk(j, n, e); return;
    // Too frequent to draw; their effects show as slices (steps, clock reads, console
    // output, entropy, idling) or are the scheduler's bookkeeping (reap).
    case TRACE_SIM_STEP:
    case TRACE_CLOCK_READ:
    case TRACE_CONSOLE:
    case TRACE_CONSOLE_READ:
    case TRACE_SIM_CONSOLE_LINE:
    case TRACE_SIM_ENTROPY:
    case TRACE_IDLE:
    case TRACE_SLEEP:
    case TRACE_REAP:
    case TRACE_FS_OBJECT_READ:
    case TRACE_FS_OBJECT_WRITE: return;
    default: on_node(j, n, e); return;
    }
}

bool trace_json_finish(struct trace_json *j) {
    assert(j != NULL);
    assert(j->file != NULL);
    json_printf(j, "\n]}\n");
    if (fflush(j->file) != 0) j->failed = true;
    bool ok = !j->failed;
    free(j);
    return ok;
}
