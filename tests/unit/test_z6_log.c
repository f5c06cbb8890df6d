// z6's service logs (kernel/z6/z6host_log.c) on a booted kernel (one simulated node,
// first boot done, the provisioned services running): printer, xy's service, has
// written its 60 lines into 512-byte files; a partial line is written when its process
// ends; with xy's disk share full, a line that needs a new chunk is dropped and counted,
// nothing else changes and root still writes; once the share has room, lines are
// written again.
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/limits/limits.h"
#include "kernel/fs/internal.h"
#include "sim/sim.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_sim.h"

#define DISK_BYTES (16ull << 20)
#define STEPS_MAX 400000u
#define FILL_FILES_MAX 400u
#define LINES_MAX 400u // appends tried until one needs a new chunk (36 bytes each, 4096 a chunk)

static u8 data[FS_FILE_BYTES_MAX];

static u32 service_named(const struct kernel *k, const char *name) {
    for (u32 i = 0; i < k->z6.engine.service_count; i++) {
        if (strcmp(k->z6.engine.services[i].config.name, name) == 0) return i;
    }
    return Z6_SERVICES_MAX;
}

// Creates absolute with count bytes (xorshift: nothing deduplicates) with the kernel's
// root ids (the simulator's permission model accepts them outside a syscall), then
// gives it to uid when its share allows it: as uid's own file would be charged.
static i64 write_new_file(struct kernel *k, u32 uid, const char *absolute, u64 count, u32 seed) {
    i64 result = fs_usage_allow_owner(k, uid, 1, fs_cost_bytes(ABI_TYPE_FILE, count));
    struct path path;
    struct fs_inode inode;
    struct cred root = cred_of_user(ABI_UID_ROOT);
    if (result == 0) result = path_resolve("/", absolute, &path);
    if (result == 0) result = fs_create(k, &root, &path, ABI_TYPE_FILE, 0644, &inode);
    if (result < 0) return result;
    u64 state = seed * 0x9e3779b97f4a7c15ull + 1;
    for (u64 i = 0; i < count; i++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        data[i] = (u8)state;
    }
    const struct fs_change change = {.op = FS_CHANGE_CREATE, .cred = &root, .path = &path, .target = &inode};
    i64 index = fs_file_open_write(k, &change, false, ABI_UID_ROOT);
    if (index < 0) return index;
    i64 written = count == 0 ? 0 : fs_file_write(k, (u32)index, ABI_UID_ROOT, 0, data, count);
    i64 released = fs_file_release(k, (u32)index);
    result = written < 0 ? written : released;
    if (result == 0) result = fs_lookup_at(k, absolute, &inode);
    if (result == 0 && uid != ABI_UID_ROOT) result = fs_give_as_root(k, absolute, &inode, uid, uid, 0644);
    return result;
}

// One line through the exit path (the partial line written when the process ends).
static void append(struct kernel *k, u32 service, const char *text) {
    struct z6_log *log = &k->z6.logs.services[service];
    log->partial_bytes = (u32)strlen(text);
    memcpy(log->partial, text, log->partial_bytes);
    z6host_log_exited(k, (u32)k->z6.engine.services[service].pid);
}

// xy's share filled: files of 64 KiB, then 4 KiB, then empty ones, until refused.
static u32 fill_share(struct kernel *k) {
    static const u64 sizes[] = {64 * 1024, 4096, 0};
    u32 made = 0;
    for (u32 s = 0; s < 3; s++) {
        for (u32 i = 0; i < FILL_FILES_MAX; i++) {
            char path[64];
            snprintf(path, sizeof path, "/home/xy/fill-%u", made);
            if (write_new_file(k, ABI_UID_USER, path, sizes[s], made) < 0) break;
            made++;
        }
    }
    return made;
}

int main(void) {
    struct sim *sim = unit_sim_boot_mounted(11, STEPS_MAX, DISK_BYTES, "init.rounds=0 init.end=idle loglevel=error", false);
    struct kernel *k = &sim->nodes[0]->kernel;
    u32 printer = Z6_SERVICES_MAX;
    enum sim_end end;
    for (u32 i = 0; i < STEPS_MAX; i++) {
        if (k->z6.hosted && printer == Z6_SERVICES_MAX) printer = service_named(k, "printer");
        if (printer < Z6_SERVICES_MAX && k->z6.logs.services[printer].lines >= 60) break;
        if (!sim_step(sim, &end)) break;
    }
    printf("# node state %u, fs state %u, z6 hosted %d, printer %u, lines %llu, dropped %llu (error %lld)\n",
           (u32)sim->nodes[0]->state, (u32)k->fs.state, k->z6.hosted, printer,
           printer < Z6_SERVICES_MAX ? (unsigned long long)k->z6.logs.services[printer].lines : 0ull,
           printer < Z6_SERVICES_MAX ? (unsigned long long)k->z6.logs.services[printer].dropped : 0ull,
           printer < Z6_SERVICES_MAX ? (long long)k->z6.logs.services[printer].drop_error : 0ll);
    UNIT_CHECK("printer_wrote_its_60_lines", printer < Z6_SERVICES_MAX && k->z6.logs.services[printer].lines == 60);
    if (printer == Z6_SERVICES_MAX) UNIT_EXIT();
    struct z6_log *log = &k->z6.logs.services[printer];
    UNIT_CHECK("its_files_are_xys_and_it_rotated_4_times", log->uid == ABI_UID_USER && log->rotations == 4 &&
               log->dropped == 0 && log->max_bytes == 512 && log->archives == 2);
    u64 grown = log->grown_bytes;
    append(k, printer, "partial");
    UNIT_CHECK("a_partial_line_is_written_at_the_exit", log->lines == 61 && log->grown_bytes == grown + 28 + 8 &&
               log->partial_bytes == 0);

    // Bigger files (as a log-max-bytes file would say), so current grows chunk by chunk.
    log->max_bytes = Z6_LOG_MAX_BYTES_MAX;
    u32 filled = fill_share(k);
    struct fs_usage before = fs_usage_of(k, ABI_UID_USER);
    u64 lines = log->lines;
    for (u32 i = 0; i < LINES_MAX && log->dropped == 0; i++) append(k, printer, "a line while the share is full");
    struct fs_usage after = fs_usage_of(k, ABI_UID_USER);
    printf("# %u files filled xy's share; %llu lines written, then one dropped\n", filled,
           (unsigned long long)(log->lines - lines));
    UNIT_CHECK("a_line_that_needs_a_chunk_beyond_the_share_is_dropped_and_counted",
               filled > 0 && log->dropped == 1 && log->lines > lines);
    UNIT_CHECK("dropped_for_xys_share_not_the_disk", log->drop_error == -E_DQUOT);
    UNIT_CHECK("xys_usage_did_not_grow", after.bytes == before.bytes && after.inodes == before.inodes);
    UNIT_CHECK("root_still_writes", write_new_file(k, ABI_UID_ROOT, "/root/after-z6-log", 4096, 7) == 0);
    char path[64];
    snprintf(path, sizeof path, "/home/xy/fill-%u", 0u);
    bool removed = fs_remove_at(k, path) == 0;
    u64 dropped = log->dropped;
    append(k, printer, "room again");
    UNIT_CHECK("with_room_again_lines_are_written", removed && log->dropped == dropped && log->lines > lines + 1);
    UNIT_EXIT();
}
