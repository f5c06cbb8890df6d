// dup2 on a hand-built process: bad descriptors, copies of consoles, directories
// and files (which gain a reference), closing the target first (a last close
// commits, and a failed commit is returned), and two descriptors of one file.
// Inheritance at spawn needs a program to run: shtest covers it in the simulator.
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/syscall.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_sim.h"
#include "kernel/fs/internal.h"

#define SLOT 0u
#define FILE_A 2u // indices into k.fs.files
#define FILE_B 5u

static struct kernel k; // large: static, zeroed
static struct sim *sim; // a node for what the kernel tells the platform (a last close's TRACE_FILE_SYNCED)

static i64 dup2(u64 old_fd, u64 new_fd) {
    const u64 args[SYSCALL_ARGS_MAX] = {old_fd, new_fd};
    return sys_dup2(&k, SLOT, args);
}

static void open_file(u32 fd, u32 index, u64 inode, u64 offset) {
    k.fs.files[index].references++;
    k.fs.files[index].meta.inode = inode;
    k.fs.files[index].meta.type = ABI_TYPE_FILE;
    k.procs[SLOT].fds[fd] = (struct fd){.kind = FD_FILE, .flags = ABI_O_RDWR, .open_file = index, .offset = offset};
}

static void setup(void) {
    memset(&k, 0, sizeof k);
    k.platform = sim->nodes[0]; // never booted: events are recorded, nothing judges them
    limits_defaults(&k.limits); // as at boot: files_per_process
    fs_files_reset(&k);
    struct proc *p = &k.procs[SLOT];
    p->state = PROC_RUNNABLE;
    p->pid = 1;
    p->fds[0].kind = FD_CONSOLE_IN;
    p->fds[1].kind = FD_CONSOLE_OUT;
    p->fds[2].kind = FD_CONSOLE_OUT;
    p->fds[3] = (struct fd){.kind = FD_DIRECTORY, .inode = 7};
    strcpy(p->fds[3].cursor, "middle");
    open_file(4, FILE_A, 11, 3);
    open_file(5, FILE_B, 12, 9);
    k.fs.db.open = true; // never reached unless a file is dirty
}

static void test_bad_descriptors(void) {
    setup();
    UNIT_CHECK("dup2 of a closed fd is E_BADF", dup2(6, 7) == -E_BADF);
    UNIT_CHECK("dup2 of fd ABI_FDS_MAX is E_BADF", dup2(ABI_FDS_MAX, 7) == -E_BADF);
    UNIT_CHECK("dup2 onto fd ABI_FDS_MAX is E_BADF", dup2(1, ABI_FDS_MAX) == -E_BADF);
    UNIT_CHECK("dup2 onto a huge fd is E_BADF", dup2(1, ~0ull) == -E_BADF);
    UNIT_CHECK("dup2 of a huge fd is E_BADF", dup2(~0ull, 1) == -E_BADF);
    UNIT_CHECK("dup2 closed onto itself is E_BADF", dup2(9, 9) == -E_BADF);
    UNIT_CHECK("failed dup2 leaves the target closed", k.procs[SLOT].fds[7].kind == FD_NONE);
    UNIT_CHECK("failed dup2 leaves files' references", k.fs.files[FILE_A].references == 1);
}

static void test_copies(void) {
    setup();
    UNIT_CHECK("dup2 of an fd onto itself returns it", dup2(4, 4) == 4);
    UNIT_CHECK("dup2 onto itself holds nothing more", k.fs.files[FILE_A].references == 1);
    UNIT_CHECK("dup2 of the console returns the new fd", dup2(1, 15) == 15);
    UNIT_CHECK("dup2 console copy is console output", k.procs[SLOT].fds[15].kind == FD_CONSOLE_OUT);
    UNIT_CHECK("dup2 of a directory", dup2(3, 8) == 8 && k.procs[SLOT].fds[8].kind == FD_DIRECTORY &&
               k.procs[SLOT].fds[8].inode == 7 && strcmp(k.procs[SLOT].fds[8].cursor, "middle") == 0);
    UNIT_CHECK("dup2 of a file", dup2(4, 9) == 9 && k.procs[SLOT].fds[9].kind == FD_FILE &&
               k.procs[SLOT].fds[9].open_file == FILE_A);
    UNIT_CHECK("dup2 file copy starts at the original's offset", k.procs[SLOT].fds[9].offset == 3);
    UNIT_CHECK("dup2 file copy keeps the flags", k.procs[SLOT].fds[9].flags == ABI_O_RDWR);
    UNIT_CHECK("dup2 file copy holds the file", k.fs.files[FILE_A].references == 2);
    k.procs[SLOT].fds[9].offset = 40;
    UNIT_CHECK("dup2 copies move their offsets apart", k.procs[SLOT].fds[4].offset == 3);
}

static void test_replaces(void) {
    setup();
    UNIT_CHECK("dup2 file onto the console fd 1", dup2(4, 1) == 1 && k.procs[SLOT].fds[1].kind == FD_FILE);
    UNIT_CHECK("dup2 onto fd 1 holds the file", k.fs.files[FILE_A].references == 2);
    UNIT_CHECK("dup2 onto an open file releases it", dup2(3, 5) == 5 && k.fs.files[FILE_B].references == 0);
    UNIT_CHECK("dup2 onto an open file replaces it", k.procs[SLOT].fds[5].kind == FD_DIRECTORY);
    UNIT_CHECK("dup2 between fds of one file", dup2(1, 4) == 4 && k.fs.files[FILE_A].references == 2);
    UNIT_CHECK("dup2 between fds of one file keeps it open", k.procs[SLOT].fds[4].kind == FD_FILE);
    UNIT_CHECK("dup2 console back onto fd 1", dup2(2, 1) == 1 && k.procs[SLOT].fds[1].kind == FD_CONSOLE_OUT);
    UNIT_CHECK("dup2 back leaves one reference", k.fs.files[FILE_A].references == 1);
}

// Written data lives in a buffer of the pool until it is committed.
static void make_dirty(u32 index) {
    k.fs.files[index].dirty = true;
    k.fs.files[index].buffer = 0;
    k.fs.buffer_owners[0].file = index;
}

// A last close commits; if the commit fails, dup2 says so and the target stays closed.
static void test_failed_commit(void) {
    setup();
    make_dirty(FILE_B);
    k.fs.db.failed = true; // every batch refused: -E_IO
    UNIT_CHECK("dup2 over a dirty file's last fd returns the commit error", dup2(1, 5) == -E_IO);
    UNIT_CHECK("dup2 after a failed commit leaves the fd closed", k.procs[SLOT].fds[5].kind == FD_NONE);
    UNIT_CHECK("dup2 after a failed commit released the file", k.fs.files[FILE_B].references == 0);
    open_file(6, FILE_B, 12, 0);
    make_dirty(FILE_B);
    open_file(7, FILE_B, 12, 0);
    UNIT_CHECK("dup2 over a shared dirty file commits nothing", dup2(1, 6) == 6 &&
               k.fs.files[FILE_B].references == 1 && k.fs.files[FILE_B].dirty);
}

int main(void) {
    struct sim_config config;
    unit_sim_config(&config, 1, 1, "");
    sim = unit_sim_start(&config);
    test_bad_descriptors();
    test_copies();
    test_replaces();
    test_failed_commit();
    sim_destroy(sim);
    UNIT_EXIT();
}
