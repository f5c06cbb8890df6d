#include "kernel/proc/proc.h"

#include "kernel/bugs.h"
#include "kernel/lib/cpio.h"
#include "kernel/proc/internal.h"
#include "kernel/proc/frames.h"
#include "kernel/lib/endian.h"
#include "kernel/lib/mem.h"
#include "kernel/syscall.h"
#include "kernel/observe.h"
#include "kernel/proc/usercopy.h"
#include "kernel/proc/vm.h"

#define INIT_PID 1

void run_queue_push(struct kernel *k, u32 slot) {
    struct run_queue *q = &k->run_queue;
    assert(slot < PROCS_MAX);
    assert(k->procs[slot].state == PROC_RUNNABLE);
    assert(q->count < PROCS_MAX);
    q->slots[(q->head + q->count) % PROCS_MAX] = (u8)slot;
    q->count++;
}

u32 run_queue_pop(struct kernel *k) {
    struct run_queue *q = &k->run_queue;
    if (q->count == 0) return SLOT_NONE;
    u32 slot = q->slots[q->head];
    q->head = (q->head + 1) % PROCS_MAX;
    q->count--;
    assert(slot < PROCS_MAX);
    return slot;
}

void run_queue_remove(struct kernel *k, u32 slot) {
    struct run_queue *q = &k->run_queue;
    u32 kept = 0;
    for (u32 i = 0; i < q->count; i++) {
        u8 s = q->slots[(q->head + i) % PROCS_MAX];
        if (s != slot) q->slots[(q->head + kept++) % PROCS_MAX] = s;
    }
    q->count = kept;
    assert(q->count <= PROCS_MAX);
}

u32 proc_slot_of_pid(const struct kernel *k, u32 pid) {
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        if (k->procs[slot].state != PROC_FREE && k->procs[slot].pid == pid) return slot;
    }
    return SLOT_NONE;
}

// Maps the stack and lays out argv on it: strings at the top, then the pointer
// array, sp 16-byte aligned below it (the RISC-V psABI).
static i64 proc_setup_stack(struct kernel *k, struct proc *proc_, u8 owner,
                            const struct spawn_args *args) {
    u64 stack_bottom_va = ABI_USER_STACK_TOP_VA - ABI_USER_STACK_PAGES * PAGE_SIZE_BYTES;
    for (u64 va = stack_bottom_va; va < ABI_USER_STACK_TOP_VA; va += PAGE_SIZE_BYTES) {
        u64 pa = frame_alloc(k, owner);
        if (pa == 0) return -E_NOMEM;
        proc_->frames_owned++;
        i64 mapped = vm_map_page(k, proc_->root_table_pa, va, pa,
                                 PTE_R | PTE_W | PTE_U | PTE_A | PTE_D, owner,
                                 &proc_->frames_owned);
        if (mapped < 0) { frame_free(k, pa, owner); proc_->frames_owned--; return mapped; }
    }
    u64 pointers[ABI_ARGV_COUNT_MAX + 1];
    u64 sp = ABI_USER_STACK_TOP_VA;
    for (u32 i = 0; i < args->count; i++) {
        u64 length = str_len_bounded(args->strings[i], ABI_ARG_LEN_MAX - 1) + 1;
        sp -= length;
        i64 copied = copy_to_user(k, proc_, sp, args->strings[i], length);
        assert(copied == 0); // the stack was mapped just above
        pointers[i] = sp;
    }
    pointers[args->count] = 0;
    sp = (sp - (args->count + 1) * 8) & ~15ull;
    for (u32 i = 0; i <= args->count; i++) {
        u8 bytes[8];
        store_u64_le(bytes, pointers[i]);
        i64 copied = copy_to_user(k, proc_, sp + i * 8, bytes, 8);
        assert(copied == 0);
    }
    proc_->context.regs[2] = sp;              // sp
    proc_->context.regs[10] = args->count;    // a0 = argc
    proc_->context.regs[11] = sp;             // a1 = argv
    return 0;
}

// A child starts with copies of its parent's fds 0, 1 and 2 (so a shell's redirection
// reaches it) and nothing else, as if every other descriptor were close-on-exec; and
// with its parent's cwd and umask. init, which has no parent, gets the console, "/"
// and ABI_UMASK_DEFAULT.
// An inherited file only gains a reference (fs_file_hold): no slot of fs.files is
// taken, so inheriting can neither fail nor use up the table.
#define PROC_INHERITED_FDS_COUNT 3
static void proc_init_files(struct kernel *k, struct proc *proc_, u32 parent_pid) {
    // pid 0 is "no parent" (init); the new process itself still has pid 0 here.
    u32 parent_slot = parent_pid == 0 ? SLOT_NONE : proc_slot_of_pid(k, parent_pid);
    if (parent_slot == SLOT_NONE) {
        proc_->fds[0].kind = FD_CONSOLE_IN;
        proc_->fds[1].kind = FD_CONSOLE_OUT;
        proc_->fds[2].kind = FD_CONSOLE_OUT;
    } else {
        for (u32 fd = 0; fd < PROC_INHERITED_FDS_COUNT; fd++) {
            const struct fd *from = &k->procs[parent_slot].fds[fd];
            assert(proc_->fds[fd].kind == FD_NONE);
            proc_->fds[fd] = *from; // a closed one stays closed (FD_NONE)
            if (from->kind == FD_FILE) fs_file_hold(k, from->open_file);
        }
    }
    proc_->cwd_inode = parent_slot == SLOT_NONE ? FS_ROOT_INODE : k->procs[parent_slot].cwd_inode;
    proc_->umask = parent_slot == SLOT_NONE ? ABI_UMASK_DEFAULT : k->procs[parent_slot].umask;
}

// The program's bytes: from the filesystem when there is one (what is on disk wins
// after the first boot), else from the initial archive. From the filesystem they are
// copied into fs.program_buffer (an open file's latest bytes, as stat reports its
// size), which stays untouched until the program is loaded: spawn holds no open file.
// The new process needs x on the program (root: any x bit) and on every directory
// above, as after fork and setuid the exec would.
static i64 proc_find_program(struct kernel *k, const struct cred *cred, const char *path,
                             struct cpio_file *file) {
    if (fs_readable(k) != 0) {
        i64 found = cpio_find(k->initrd, k->initrd_size_bytes, path, file);
        return found == -E_NOENT ? -E_NOENT : (found < 0 ? -E_NOEXEC : 0);
    }
    struct fs_name name;
    i64 result = fs_walk(k, cred, FS_ROOT_INODE, path, FS_WALK_FOLLOW | FS_WALK_LOOKUP, &name);
    if (result < 0) return result;
    struct fs_inode inode = name.inode;
    if (inode.type != ABI_TYPE_FILE) return -E_NOEXEC;
    result = cred_permission(cred, &inode, PERM_EXECUTE);
    if (result < 0) return result;
    u64 size = 0;
    result = fs_file_read_all(k, &inode, k->fs.program_buffer, sizeof k->fs.program_buffer, &size);
    if (result == -E_FBIG) return -E_NOEXEC;
    if (result < 0) return result;
    if (size == 0) return -E_NOEXEC;
    *file = (struct cpio_file){.data = k->fs.program_buffer, .size_bytes = size, .mode = inode.mode};
    return 0;
}

// The image to load for path: the program itself or, for a "#!" script, its
// interpreter, whose argv (in *script_args) then replaces *args. The interpreter must
// be a program: a script as interpreter is -E_NOEXEC (Linux allows a few levels; one
// is all a supervisor's run scripts need, and it keeps the spawn bounded).
static i64 proc_find_image(struct kernel *k, const struct cred *cred, const char *path,
                           const struct spawn_args **args, struct spawn_args *script_args,
                           struct cpio_file *file) {
    i64 found = proc_find_program(k, cred, path, file);
    if (found < 0 || !proc_is_script(file)) return found;
    char interpreter[ABI_PATH_LEN_MAX];
    i64 built = proc_script_args(file, path, *args, interpreter, script_args);
    if (built < 0) return built;
    found = proc_find_program(k, cred, interpreter, file);
    if (found < 0) return found;
    if (proc_is_script(file)) return -E_NOEXEC;
    *args = script_args;
    assert(script_args->count <= ABI_ARGV_COUNT_MAX);
    return 0;
}

static u32 proc_free_slot(const struct kernel *k) {
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        if (k->procs[slot].state == PROC_FREE) return slot;
    }
    return SLOT_NONE;
}

// Undoes a half-built process. Its frames all hang off its page table.
static void proc_release(struct kernel *k, u32 slot) {
    struct proc *proc_ = &k->procs[slot];
    if (proc_->root_table_pa != 0) vm_destroy(k, proc_->root_table_pa, proc_frame_owner(slot));
    mem_set(proc_, 0, sizeof *proc_);
    assert(proc_->state == PROC_FREE);
}

static void proc_set_name(struct proc *proc_, const char *path) {
    const char *base = path;
    for (const char *c = path; *c != '\0'; c++) {
        if (*c == '/') base = c + 1;
    }
    str_copy(proc_->name, PROC_NAME_LEN_MAX, base);
}

// Builds the address space of the process in `slot` from an ELF image: code and
// data, the stack with argv, the entry point. On failure the slot is free again.
static i64 proc_build(struct kernel *k, u32 slot, const struct cpio_file *file,
                      const struct spawn_args *args, const struct cred *cred) {
    struct proc *proc_ = &k->procs[slot];
    u8 owner = proc_frame_owner(slot);
    mem_set(proc_, 0, sizeof *proc_);
    // Its ids first: every frame it takes is charged to its user (limits_allow_frames).
    proc_->cred = *cred;
    proc_->state = PROC_SLEEPING; // not runnable until fully built
    proc_->root_table_pa = vm_create(k, owner);
    if (proc_->root_table_pa == 0) { proc_release(k, slot); return -E_NOMEM; }
    proc_->frames_owned = 1;
    u64 entry_va = 0;
    i64 result = elf_load(k, proc_, owner, file->data, file->size_bytes, &entry_va);
    if (result == 0) result = proc_setup_stack(k, proc_, owner, args);
    if (result < 0) { proc_release(k, slot); return result; }
    proc_->context.pc = entry_va;
    return 0;
}

i64 proc_spawn(struct kernel *k, u32 parent_pid, const char *path, const struct spawn_args *args,
               const struct cred *cred) {
    assert(path != NULL);
    assert(args != NULL);
    assert(cred != NULL);
    assert(args->count <= ABI_ARGV_COUNT_MAX);
    // As fork at RLIMIT_NPROC: E_AGAIN when the slots, or the user's share of them, are
    // taken (limits.h; root's reserve stays free for root).
    u32 slot = proc_free_slot(k);
    if (slot == SLOT_NONE || !limits_allow_process(k, cred->ruid)) return -E_AGAIN;
    struct cpio_file file;
    struct spawn_args script_args;
    i64 found = proc_find_image(k, cred, path, &args, &script_args, &file);
    if (found < 0) return found;
    i64 built = proc_build(k, slot, &file, args, cred);
    if (built < 0) return built;
    struct proc *proc_ = &k->procs[slot];
    proc_init_files(k, proc_, parent_pid);
    proc_->pid = k->pid_next++;
    proc_->parent_pid = parent_pid;
    proc_->cred = *cred;
    proc_->session_id = auth_session_of_pid(k, parent_pid); // children stay in the parent's login session
    u32 parent_slot = parent_pid == 0 ? SLOT_NONE : proc_slot_of_pid(k, parent_pid);
    // ... and in its console session (init's, 0, for init itself), as a follower.
    if (parent_slot != SLOT_NONE) proc_->console_session = k->procs[parent_slot].console_session;
    // A Zix builder's descendants stay in its sandbox (kernel/zix/zix_sandbox.c).
    if (parent_slot != SLOT_NONE) proc_->zix_build = k->procs[parent_slot].zix_build;
    proc_set_name(proc_, path);
    proc_->state = PROC_RUNNABLE;
    run_queue_push(k, slot);
    observe_trace(k->platform, TRACE_SPAWN, proc_->pid, parent_pid, cred->euid);
    return proc_->pid;
}

bool proc_has_child(const struct kernel *k, u32 parent_pid, i64 wait_pid) {
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct proc *child = &k->procs[slot];
        if (child->state == PROC_FREE || child->parent_pid != parent_pid) continue;
        if (wait_pid == ABI_WAIT_ANY || (i64)child->pid == wait_pid) return true;
    }
    return false;
}

// Lowest slot first, so the choice among several exited children is deterministic.
i64 proc_reap_child(struct kernel *k, u32 parent_slot, i64 wait_pid, u64 status_va) {
    struct proc *parent = &k->procs[parent_slot];
    assert(parent->state != PROC_FREE);
    assert(parent->state != PROC_ZOMBIE);
    if (!proc_has_child(k, parent->pid, wait_pid)) return -E_CHILD;
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        struct proc *child = &k->procs[slot];
        if (child->state != PROC_ZOMBIE || child->parent_pid != parent->pid) continue;
        if (wait_pid != ABI_WAIT_ANY && (i64)child->pid != wait_pid) continue;
        // Copy first: a bad status pointer leaves the child to be reaped later.
        if (status_va != 0 &&
            copy_to_user(k, parent, status_va, &child->exit_status, sizeof child->exit_status) < 0) {
            return -E_FAULT;
        }
        u32 pid = child->pid;
        observe_trace(k->platform, TRACE_REAP, parent->pid, pid, child->exit_status.cause);
        assert(child->root_table_pa == 0);
        assert(child->frames_owned == 0);
        mem_set(child, 0, sizeof *child);
        return pid;
    }
    return 0;
}

// A parent blocked in wait resumes with the child's pid (or an error) in a0.
static void proc_wake_waiting_parent(struct kernel *k, u32 parent_pid) {
    // pid 0 is "no parent" (init); the new process itself still has pid 0 here.
    u32 parent_slot = parent_pid == 0 ? SLOT_NONE : proc_slot_of_pid(k, parent_pid);
    if (parent_slot == SLOT_NONE) return;
    struct proc *parent = &k->procs[parent_slot];
    if (parent->state != PROC_WAITING) return;
    i64 reaped = proc_reap_child(k, parent_slot, parent->wait_pid, parent->wait_status_va);
    if (reaped == 0) return; // exited child was not the one it waits for
    parent->context.regs[10] = (u64)reaped;
    parent->state = PROC_RUNNABLE;
    run_queue_push(k, parent_slot);
    observe_trace(k->platform, TRACE_SYSCALL, parent->pid, SYS_wait, (u64)reaped);
}

void proc_exit(struct kernel *k, u32 slot, u32 cause, i64 exit_code, u64 fault_pc,
               u64 fault_addr) {
    struct proc *proc_ = &k->procs[slot];
    assert(slot < PROCS_MAX);
    assert(proc_->state != PROC_FREE);
    assert(proc_->state != PROC_ZOMBIE);
    if (proc_->state == PROC_RUNNABLE) run_queue_remove(k, slot);
    fd_close_all(k, slot);
    vm_destroy(k, proc_->root_table_pa, proc_frame_owner(slot));
    if (!planted_bug(k, BUG_EXIT_KEEPS_ROOT_TABLE)) proc_->root_table_pa = 0;
    proc_->frames_owned = 0;
    proc_->exit_status = (struct abi_wait_status){
        .exit_code = exit_code, .cause = cause, .fault_pc = fault_pc, .fault_addr = fault_addr};
    proc_->state = PROC_ZOMBIE;
    proc_->syscall_restart = false;
    if (proc_->supervised) k->supervised_exits++;
    observe_trace(k->platform, TRACE_EXIT, proc_->pid, cause, (u64)exit_code);
    if (proc_->console_leader) console_session_end(k, proc_);
    // Orphans go to init, which reaps whatever it is given.
    bool orphan_zombies = false;
    for (u32 s = 0; s < PROCS_MAX; s++) {
        struct proc *child = &k->procs[s];
        if (child->state == PROC_FREE || child->parent_pid != proc_->pid) continue;
        child->parent_pid = INIT_PID;
        orphan_zombies = orphan_zombies || child->state == PROC_ZOMBIE;
    }
    if (orphan_zombies) proc_wake_waiting_parent(k, INIT_PID);
    if (!planted_bug(k, BUG_EXIT_FORGETS_WAITING_PARENT)) proc_wake_waiting_parent(k, proc_->parent_pid);
}

i64 proc_spawn_supervised(struct kernel *k, const char *path, const struct spawn_args *args,
                          const struct cred *cred) {
    assert(path != NULL);
    assert(cred != NULL);
    i64 pid = proc_spawn(k, 0, path, args, cred);
    if (pid < 0) return pid;
    u32 slot = proc_slot_of_pid(k, (u32)pid);
    assert(slot != SLOT_NONE);
    k->procs[slot].supervised = true;
    return pid;
}

bool proc_reap_supervised(struct kernel *k, u32 *pid, struct abi_wait_status *status) {
    assert(pid != NULL);
    assert(status != NULL);
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        struct proc *proc_ = &k->procs[slot];
        if (proc_->state != PROC_ZOMBIE || !proc_->supervised) continue;
        assert(k->supervised_exits > 0);
        k->supervised_exits--;
        *pid = proc_->pid;
        *status = proc_->exit_status;
        observe_trace(k->platform, TRACE_REAP, 0, proc_->pid, proc_->exit_status.cause);
        mem_set(proc_, 0, sizeof *proc_);
        return true;
    }
    return false;
}

i64 proc_kill(struct kernel *k, u32 target_pid, u32 sender_pid, u64 signal) {
    assert(signal != 0); // signal 0 only checks, in sys_kill
    assert(signal <= ABI_SIGTERM);
    u32 target_slot = proc_slot_of_pid(k, target_pid);
    if (target_slot == SLOT_NONE) return -E_SRCH;
    struct proc *target = &k->procs[target_slot];
    assert(target->state != PROC_FREE);
    if (target->state == PROC_ZOMBIE) return 0;
    if (signal == ABI_SIGTERM && target->ignores_term) return 0; // signal_ignore: as Linux's SIG_IGN
    klog(k, LOG_DEBUG, "pid %u (%s) killed by pid %u with signal %llu", target->pid, target->name,
         sender_pid, (unsigned long long)signal);
    proc_exit(k, target_slot, ABI_EXIT_SIGNALED, (i64)signal, 0, 0);
    return 0;
}
