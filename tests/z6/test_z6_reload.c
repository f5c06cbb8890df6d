// Unit tests of z6_reload (src/subsystems/z6/z6_reload.c): the configuration read again
// after the boot keeps what is unchanged running, restarts what changed and runs, starts
// what is new, stops what is gone (dependents first), deterministically. Prints
// "ok NAME" / "not ok NAME" lines (tests/unit/unit.h).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "subsystems/z6/z6.h"
#include "tests/unit/unit.h"

_Noreturn void platform_panic(const char *file, u32 line, const char *what) {
    fprintf(stderr, "panic at %s:%u: %s\n", file, line, what);
    abort();
}

#define MS 1000000ull
#define SEC (1000 * MS)

static struct z6 engine;
static struct z6 scratch;
static struct z6_action action_items[Z6_ACTIONS_MAX];
static struct z6_actions actions;
static struct z6_reload_counts counts;

static struct z6_actions *fresh(void) {
    actions = (struct z6_actions){ .items = action_items, .capacity = Z6_ACTIONS_MAX };
    return &actions;
}

static struct z6_exit term_exit(void) {
    return (struct z6_exit){ .kind = Z6_EXIT_SIGNAL, .signal = 15 };
}

static u32 count_kind(enum z6_action_kind kind) {
    u32 n = 0;
    for (u32 i = 0; i < actions.count; i++) n += actions.items[i].kind == kind;
    return n;
}

static bool spawned(u32 service) {
    for (u32 i = 0; i < actions.count; i++) {
        const struct z6_action *a = &actions.items[i];
        if (a->kind == Z6_ACTION_SPAWN_RUN && a->service == service) return true;
    }
    return false;
}

static bool signalled(u64 pid) {
    for (u32 i = 0; i < actions.count; i++) {
        const struct z6_action *a = &actions.items[i];
        if (a->kind == Z6_ACTION_SIGNAL && a->pid == pid && a->signal == Z6_SIGNAL_TERM) return true;
    }
    return false;
}

static u32 index_of(const char *name) {
    for (u32 i = 0; i < engine.service_count; i++) {
        if (strcmp(engine.services[i].config.name, name) == 0) return i;
    }
    return ~0u;
}

// configs[i] named names[i]; a "needs" of ~0u: no dependency.
static void make(struct z6_config *configs, u32 count, const char *const *names, const u32 *needs) {
    for (u32 i = 0; i < count; i++) {
        z6_config_default(&configs[i], names[i]);
        if (needs != 0 && needs[i] != ~0u) {
            configs[i].dependency_count = 1;
            configs[i].dependencies[0] = needs[i];
        }
    }
}

static enum z6_result reload(const struct z6_config *configs, u32 count, u64 now_ns) {
    return z6_reload(&engine, &scratch, now_ns, configs, count, 0, &counts, fresh());
}

// Boots configs and reports pid 100 + i for every spawn, in the order asked for.
static void boot_all(const struct z6_config *configs, u32 count) {
    z6_load(&engine, configs, count, 0);
    z6_boot(&engine, 0, fresh());
    for (u32 round = 0; round < count; round++) {
        for (u32 i = 0; i < count; i++) {
            if (engine.services[i].state == Z6_STATE_STARTING) z6_spawned(&engine, 0, i, 100 + i, fresh());
        }
    }
}

static void test_unchanged_kept(void) {
    const char *const names[] = { "base", "web", "alone" };
    const u32 needs[] = { ~0u, 0, ~0u };
    struct z6_config configs[3];
    make(configs, 3, names, needs);
    boot_all(configs, 3);
    UNIT_CHECK("reload: all up before", engine.services[1].state == Z6_STATE_UP);
    UNIT_CHECK("reload of the same table: ok", reload(configs, 3, 5 * SEC) == Z6_OK);
    UNIT_CHECK("reload of the same table: no spawn, no signal",
               count_kind(Z6_ACTION_SPAWN_RUN) == 0 && count_kind(Z6_ACTION_SIGNAL) == 0);
    UNIT_CHECK("reload of the same table: running stays running with its pid",
               engine.services[1].state == Z6_STATE_UP && engine.services[1].pid == 101);
    UNIT_CHECK("reload of the same table: 3 kept", counts.kept == 3 && counts.changed == 0 &&
                                                   counts.added == 0 && counts.removed == 0);
    z6_exited(&engine, 6 * SEC, 101, term_exit(), fresh());
    UNIT_CHECK("reload: a kept service's exit is still known by its pid", engine.services[1].pid == 0);
}

static void test_changed_restarted(void) {
    const char *const names[] = { "a", "b", "c" };
    struct z6_config configs[3];
    make(configs, 3, names, 0);
    configs[2].down = true;
    boot_all(configs, 3);
    configs[0].restart_delay_ms = 50;     // a runs: restarted
    configs[2].timeout_kill_ms = 500;     // c is down: applied at its next start
    configs[1].down = true;               // down alone is no change for a kept service
    UNIT_CHECK("changed: ok", reload(configs, 3, 10 * SEC) == Z6_OK);
    UNIT_CHECK("changed: 2 changed, 1 kept", counts.changed == 2 && counts.kept == 1);
    UNIT_CHECK("changed: the running one gets TERM", signalled(100) && count_kind(Z6_ACTION_SIGNAL) == 1);
    UNIT_CHECK("changed: b, down-file only, keeps running", engine.services[1].state == Z6_STATE_UP);
    UNIT_CHECK("changed: c stays down", engine.services[2].state == Z6_STATE_DOWN);
    UNIT_CHECK("changed: the new configuration is in the table", engine.services[0].config.restart_delay_ms == 50);
    z6_exited(&engine, 10 * SEC, 100, term_exit(), fresh());
    UNIT_CHECK("changed: respawned after its exit (restart asked)", spawned(0));
    UNIT_CHECK("changed: the TERM was no crash", engine.services[0].death_count == 0);
}

static void test_added_and_removed(void) {
    const char *const names[] = { "low", "mid", "top" };
    const u32 needs[] = { ~0u, 0, 1 };
    struct z6_config configs[3];
    make(configs, 3, names, needs);
    boot_all(configs, 3);
    // The new table: "again" (before the others: every index moves), "low", "new".
    const char *const next_names[] = { "again", "low", "new", "sleepy" };
    struct z6_config next[4];
    make(next, 4, next_names, 0);
    next[3].down = true;
    UNIT_CHECK("removed: ok", reload(next, 4, 20 * SEC) == Z6_OK);
    UNIT_CHECK("removed: counts", counts.kept == 1 && counts.added == 3 && counts.removed == 2);
    UNIT_CHECK("removed: the new ones are spawned, not the down one",
               spawned(0) && spawned(2) && !spawned(3) && count_kind(Z6_ACTION_SPAWN_RUN) == 2);
    UNIT_CHECK("removed: low kept at its new index, running",
               index_of("low") == 1 && engine.services[1].pid == 100);
    UNIT_CHECK("removed: retired ones after the new table",
               engine.service_count == 6 && engine.services[4].retired && engine.services[5].retired);
    UNIT_CHECK("removed: moved_to says where each old service went (low 0->1, mid 1->4, top 2->5)",
               counts.old_count == 3 && counts.moved_to[0] == 1 && counts.moved_to[1] == 4 &&
                   counts.moved_to[2] == 5);
    UNIT_CHECK("removed: TERM to top only (dependents first)", signalled(102) && count_kind(Z6_ACTION_SIGNAL) == 1);
    UNIT_CHECK("removed: a retired service takes no start",
               z6_command(&engine, 20 * SEC, 4, Z6_COMMAND_START, fresh()) == Z6_REFUSED);
    z6_exited(&engine, 21 * SEC, 102, term_exit(), fresh());
    UNIT_CHECK("removed: then mid", signalled(101) && count_kind(Z6_ACTION_SIGNAL) == 1);
    UNIT_CHECK("removed: low is not stopped", engine.services[1].state == Z6_STATE_UP);
    z6_exited(&engine, 21 * SEC, 101, term_exit(), fresh());
    UNIT_CHECK("removed: nothing respawned", count_kind(Z6_ACTION_SPAWN_RUN) == 0);
    UNIT_CHECK("removed: at rest", engine.services[4].state == Z6_STATE_DOWN &&
                                   engine.services[5].state == Z6_STATE_DOWN);
    UNIT_CHECK("removed: the next reload drops them", reload(next, 4, 22 * SEC) == Z6_OK &&
                                                      engine.service_count == 4 && counts.removed == 0);
    UNIT_CHECK("removed: a dropped service moved nowhere (Z6_SERVICES_MAX), low stays",
               counts.old_count == 6 && counts.moved_to[4] == Z6_SERVICES_MAX &&
                   counts.moved_to[5] == Z6_SERVICES_MAX && counts.moved_to[1] == 1);
}

// A removed service is stopped before its kept dependency would be (here: never).
static void test_removed_dependent_of_kept(void) {
    const char *const names[] = { "db", "app" };
    const u32 needs[] = { ~0u, 0 };
    struct z6_config configs[2];
    make(configs, 2, names, needs);
    boot_all(configs, 2);
    UNIT_CHECK("dependent removed: ok", reload(configs, 1, 1 * SEC) == Z6_OK);
    UNIT_CHECK("dependent removed: TERM to app", signalled(101));
    z6_shutdown(&engine, 1 * SEC, fresh());
    UNIT_CHECK("dependent removed: shutdown waits for the retired dependent", count_kind(Z6_ACTION_SIGNAL) == 0);
    z6_exited(&engine, 2 * SEC, 101, term_exit(), fresh());
    UNIT_CHECK("dependent removed: then db", signalled(100));
    UNIT_CHECK("reload while shutting down: refused", reload(configs, 2, 3 * SEC) == Z6_NOT_EXPECTED);
}

static void test_full(void) {
    static struct z6_config configs[Z6_SERVICES_MAX];
    static struct z6_config other[Z6_SERVICES_MAX];
    static char names[2][Z6_SERVICES_MAX][8];
    for (u32 i = 0; i < Z6_SERVICES_MAX; i++) {
        snprintf(names[0][i], 8, "s%02u", i);
        snprintf(names[1][i], 8, "t%02u", i);
        z6_config_default(&configs[i], names[0][i]);
        z6_config_default(&other[i], names[1][i]);
    }
    boot_all(configs, Z6_SERVICES_MAX);
    UNIT_CHECK("full: 64 running", engine.services[63].pid == 163);
    UNIT_CHECK("full: 64 new and 64 retiring do not fit", reload(other, Z6_SERVICES_MAX, SEC) == Z6_FULL);
    UNIT_CHECK("full: nothing changed", engine.service_count == Z6_SERVICES_MAX &&
                                        strcmp(engine.services[0].config.name, "s00") == 0 &&
                                        count_kind(Z6_ACTION_SIGNAL) == 0);
    UNIT_CHECK("full: 32 kept and 32 retiring fit", reload(configs + 32, 32, SEC) == Z6_OK &&
                                                    engine.service_count == 64 && counts.kept == 32);
}

// The same events give the same actions (index order, never pointer order).
static void test_deterministic(void) {
    struct z6_action first[Z6_ACTIONS_MAX];
    u32 first_count = 0;
    for (u32 run = 0; run < 2; run++) {
        const char *const names[] = { "a", "b", "c", "d" };
        const u32 needs[] = { ~0u, 0, 0, 2 };
        struct z6_config configs[4];
        make(configs, 4, names, needs);
        boot_all(configs, 4);
        configs[0].restart_delay_ms = 7;
        reload(configs, 2, SEC);
        if (run == 0) {
            memcpy(first, action_items, sizeof first);
            first_count = actions.count;
        }
    }
    UNIT_CHECK("reload: the same events give the same actions",
               first_count == actions.count && first_count > 0 &&
               memcmp(first, action_items, first_count * sizeof first[0]) == 0);
}

// A running service whose new configuration is refused is stopped (retired); a removed
// one added back before it stopped is wanted again and respawned after its exit.
static void test_refused_and_back(void) {
    const char *const names[] = { "svc", "other" };
    struct z6_config configs[2];
    make(configs, 2, names, 0);
    boot_all(configs, 2);
    configs[0].invalid = true;
    UNIT_CHECK("refused: ok", reload(configs, 2, SEC) == Z6_OK);
    UNIT_CHECK("refused: counted as refused and removed", counts.refused == 1 && counts.removed == 1);
    UNIT_CHECK("refused: its process gets TERM", signalled(100));
    UNIT_CHECK("refused: the retired entry holds the pid",
               engine.service_count == 3 && engine.services[2].retired && engine.services[2].pid == 100);
    UNIT_CHECK("refused: a command on the refused name is refused",
               z6_command(&engine, SEC, 0, Z6_COMMAND_START, fresh()) == Z6_REFUSED);
    configs[0].invalid = false;
    UNIT_CHECK("back: ok", reload(configs, 2, 2 * SEC) == Z6_OK);
    UNIT_CHECK("back: added again, nothing retired", counts.added == 1 && engine.service_count == 2);
    UNIT_CHECK("back: still stopping with its pid", engine.services[0].state == Z6_STATE_STOPPING &&
                                                    engine.services[0].pid == 100);
    z6_exited(&engine, 3 * SEC, 100, term_exit(), fresh());
    UNIT_CHECK("back: respawned after the exit", spawned(0));
    UNIT_CHECK("back: other untouched", engine.services[1].pid == 101 && engine.services[1].state == Z6_STATE_UP);
}

int main(void) {
    test_unchanged_kept();
    test_changed_restarted();
    test_added_and_removed();
    test_removed_dependent_of_kept();
    test_full();
    test_refused_and_back();
    test_deterministic();
    UNIT_EXIT();
}
