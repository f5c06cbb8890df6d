// A digest of the kernel's structural state, field by field (never struct padding,
// never pointers), so the same state gives the same digest on every compiler. Only the
// simulator needs it (reboot_state_fresh), so it lives here, reading the kernel's
// state from outside as the invariants do; hardware carries none of it.
#include "sim/machine/kernel_digest.h"
#include "kernel/kernel.h"

#define FNV64_OFFSET 0xcbf29ce484222325ull
#define FNV64_PRIME 0x100000001b3ull

static u64 mix_u64(u64 hash, u64 value) {
    for (u32 i = 0; i < 8; i++) {
        hash ^= (value >> (8 * i)) & 0xff;
        hash *= FNV64_PRIME;
    }
    return hash;
}

static u64 mix_bytes(u64 hash, const u8 *bytes, u64 count) {
    if (count != 0) assert(bytes != NULL);
    for (u64 i = 0; i < count; i++) {
        hash ^= bytes[i];
        hash *= FNV64_PRIME;
    }
    return hash;
}

static u64 mix_proc(u64 h, const struct proc *proc_) {
    h = mix_u64(h, proc_->state);
    h = mix_u64(h, proc_->pid);
    h = mix_u64(h, proc_->parent_pid);
    h = mix_u64(h, ((u64)proc_->cred.ruid << 32) | proc_->cred.rgid);
    h = mix_u64(h, ((u64)proc_->cred.euid << 32) | proc_->cred.egid);
    h = mix_u64(h, ((u64)proc_->cred.suid << 32) | proc_->cred.sgid);
    for (u32 r = 0; r < 32; r++) h = mix_u64(h, proc_->context.regs[r]);
    h = mix_u64(h, proc_->context.pc);
    h = mix_u64(h, proc_->root_table_pa);
    h = mix_u64(h, proc_->frames_owned);
    h = mix_u64(h, proc_->sleep_deadline_ns);
    h = mix_u64(h, (u64)proc_->wait_pid);
    h = mix_u64(h, proc_->wait_status_va);
    h = mix_u64(h, (u64)proc_->exit_status.exit_code);
    h = mix_u64(h, proc_->exit_status.cause);
    h = mix_u64(h, proc_->exit_status.fault_pc);
    h = mix_u64(h, proc_->exit_status.fault_addr);
    h = mix_u64(h, proc_->monotonic_last_ns);
    h = mix_u64(h, proc_->console_session);
    h = mix_u64(h, (u64)proc_->console_leader << 1 | (u64)proc_->syscall_restart);
    h = mix_u64(h, proc_->cwd_inode);
    h = mix_u64(h, proc_->umask);
    h = mix_u64(h, proc_->cred.groups_count);
    for (u32 g = 0; g < proc_->cred.groups_count && g < GROUPS_MAX; g++) h = mix_u64(h, proc_->cred.groups[g]);
    for (u32 fd = 0; fd < ABI_FDS_MAX; fd++) {
        h = mix_u64(h, proc_->fds[fd].kind);
        h = mix_u64(h, proc_->fds[fd].flags);
        h = mix_u64(h, proc_->fds[fd].open_file);
        h = mix_u64(h, proc_->fds[fd].offset);
        h = mix_u64(h, proc_->fds[fd].inode);
        h = mix_bytes(h, (const u8 *)proc_->fds[fd].cursor, sizeof proc_->fds[fd].cursor);
    }
    return mix_bytes(h, (const u8 *)proc_->name, PROC_NAME_LEN_MAX);
}

// Excludes what legitimately differs between two boots of the same machine: the
// platform pointer, the clock reading at boot, and the filesystem (the disk persists).
u64 kernel_state_digest(const struct kernel *k) {
    assert(k != NULL);
    u64 h = FNV64_OFFSET;
    h = mix_u64(h, k->run_state);
    h = mix_u64(h, k->log_level);
    h = mix_u64(h, k->pid_next);
    h = mix_u64(h, k->current_slot);
    h = mix_u64(h, k->steps);
    for (u32 slot = 0; slot < PROCS_MAX; slot++) h = mix_proc(h, &k->procs[slot]);
    h = mix_bytes(h, k->run_queue.slots, PROCS_MAX);
    h = mix_u64(h, k->run_queue.head);
    h = mix_u64(h, k->run_queue.count);
    h = mix_u64(h, k->frames.base_pa);
    h = mix_u64(h, k->frames.count);
    h = mix_u64(h, k->frames.free_count);
    h = mix_u64(h, k->frames.search_from);
    h = mix_u64(h, k->frames.table_frames);
    h = mix_u64(h, k->frames.kernel_frames);
    h = mix_bytes(h, k->frames.owner, k->frames.count);
    h = mix_u64(h, k->kernel_root_entries_count);
    for (u32 i = 0; i < KERNEL_ROOT_ENTRIES_MAX; i++) {
        h = mix_u64(h, k->kernel_root_index[i]);
        h = mix_u64(h, k->kernel_root_pte[i]);
    }
    h = mix_u64(h, k->initrd_size_bytes);
    h = mix_u64(h, k->console.owner_session);
    h = mix_u64(h, k->console.hangups);
    return mix_bytes(h, (const u8 *)k->bootargs, BOOTARGS_LEN_MAX);
}
