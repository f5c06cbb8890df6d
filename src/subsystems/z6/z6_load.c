// z6_load: the configuration table in, validated. The dependency graph is kept as
// bit masks (Z6_SERVICES_MAX <= 64): each service's direct dependencies and their
// transitive closure, from which cycles and refused dependencies follow.
#include "subsystems/z6/internal.h"

#include "kernel/lib/mem.h"

void z6_config_default(struct z6_config *config, const char *name) {
    assert(config != 0);
    assert(name != 0);
    mem_set(config, 0, sizeof(*config));
    str_copy(config->name, sizeof(config->name), name);
    config->restart = Z6_RESTART_ALWAYS;
    config->restart_delay_ms = Z6_RESTART_DELAY_DEFAULT_MS;
    config->crash_deaths = Z6_CRASH_DEATHS_DEFAULT;
    config->crash_window_ms = Z6_CRASH_WINDOW_DEFAULT_MS;
    config->timeout_kill_ms = Z6_TIMEOUT_KILL_DEFAULT_MS;
    config->timeout_finish_ms = Z6_TIMEOUT_FINISH_DEFAULT_MS;
}

static bool config_valid(const struct z6_config *config) {
    assert(config != 0);
    u64 name_bytes = str_len_bounded(config->name, sizeof(config->name));
    assert(name_bytes <= sizeof(config->name));
    if (config->invalid) return false;
    if (name_bytes == 0) return false;
    if (name_bytes == sizeof(config->name)) return false; // not terminated
    if (config->restart > Z6_RESTART_NEVER) return false;
    if (config->crash_deaths == 0) return false;
    if (config->crash_deaths > Z6_CRASH_DEATHS_MAX) return false;
    if (config->crash_window_ms == 0) return false;
    return config->dependency_count <= Z6_DEPENDENCIES_MAX;
}

// Direct dependencies as masks; a dependency naming no service refuses its dependent.
static void load_direct(struct z6 *z6) {
    assert(z6->service_count <= Z6_SERVICES_MAX);
    for (u32 i = 0; i < z6->service_count; i++) {
        struct z6_service *service = &z6->services[i];
        assert(service->error == Z6_LOAD_OK);
        if (!config_valid(&service->config)) {
            service->error = Z6_LOAD_CONFIG_INVALID;
            continue;
        }
        for (u32 d = 0; d < service->config.dependency_count; d++) {
            u32 dependency = service->config.dependencies[d];
            if (dependency >= z6->service_count) {
                service->error = Z6_LOAD_DEPENDENCY_MISSING;
            } else {
                service->dependencies_mask |= 1ull << dependency;
            }
        }
    }
}

// The transitive closure: at most Z6_SERVICES_MAX rounds, each adding at least one bit.
static void load_closure(struct z6 *z6) {
    assert(z6->service_count <= Z6_SERVICES_MAX);
    for (u32 i = 0; i < z6->service_count; i++) {
        z6->services[i].requires_mask = z6->services[i].dependencies_mask;
    }
    for (u32 round = 0; round < Z6_SERVICES_MAX; round++) {
        bool changed = false;
        for (u32 i = 0; i < z6->service_count; i++) {
            u64 requires = z6->services[i].requires_mask;
            u64 grown = requires;
            for (u32 j = 0; j < z6->service_count; j++) {
                if (requires & (1ull << j)) grown |= z6->services[j].requires_mask;
            }
            changed = changed || grown != requires;
            z6->services[i].requires_mask = grown;
        }
        if (!changed) return;
    }
    assert(false); // the closure of 64 nodes settles within 64 rounds
}

u32 z6_load(struct z6 *z6, const struct z6_config *configs, u32 count,
            enum z6_load_error *errors) {
    assert(z6 != 0);
    assert(count <= Z6_SERVICES_MAX);
    mem_set(z6, 0, sizeof(*z6));
    z6->service_count = count;
    for (u32 i = 0; i < count; i++) z6->services[i].config = configs[i];
    load_direct(z6);
    load_closure(z6);
    u64 refused_mask = 0;
    for (u32 i = 0; i < count; i++) {
        struct z6_service *service = &z6->services[i];
        bool on_cycle = (service->requires_mask & (1ull << i)) != 0;
        if (service->error == Z6_LOAD_OK && on_cycle) service->error = Z6_LOAD_DEPENDENCY_CYCLE;
        if (service->error != Z6_LOAD_OK) refused_mask |= 1ull << i;
    }
    // The closure is transitive: one pass refuses everything that needs a refused one.
    u32 refused = 0;
    for (u32 i = 0; i < count; i++) {
        struct z6_service *service = &z6->services[i];
        if (service->error == Z6_LOAD_OK && (service->requires_mask & refused_mask) != 0) {
            service->error = Z6_LOAD_DEPENDENCY_REFUSED;
        }
        if (service->error != Z6_LOAD_OK) refused++;
        if (errors != 0) errors[i] = service->error;
    }
    return refused;
}

const char *z6_load_error_name(enum z6_load_error error) {
    assert(error <= Z6_LOAD_DEPENDENCY_REFUSED);
    // A switch, not a table of pointers: such a table is writable data in a PIE
    // (.data.rel.ro), which the no-writable-globals rule refuses.
    switch (error) {
    case Z6_LOAD_OK: return "ok";
    case Z6_LOAD_CONFIG_INVALID: return "invalid configuration";
    case Z6_LOAD_DEPENDENCY_MISSING: return "missing dependency";
    case Z6_LOAD_DEPENDENCY_CYCLE: return "dependency cycle";
    case Z6_LOAD_DEPENDENCY_REFUSED: return "dependency refused";
    }
    assert(false); // every value has its case above
    return "";
}
