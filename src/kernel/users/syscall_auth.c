// Syscalls that prove who a user is: sudo, switch_user (su, login) and passwd, and
// audit_status. Each password goes through auth_check_password (a growing delay after
// failures: the caller sleeps and the syscall runs again, see syscall_restart_at), each
// outcome is a line in /var/log/auth (auth_log.c), and no password ever leaves the
// stack frame that read it: it is wiped before returning.
#include "kernel/users/auth.h"
#include "kernel/bugs.h"
#include "kernel/lib/format.h"
#include "kernel/lib/mem.h"
#include "kernel/users/password.h"
#include "kernel/proc/proc.h"
#include "kernel/syscall.h"
#include "kernel/proc/usercopy.h"
#include "kernel/users/internal.h"

struct password_arg {
    bool given;    // the pointer was not NULL
    bool too_long; // longer than any password: matches no account
    char text[PASSWORD_LEN_MAX + 1];
};

// The password argument at va (0: none). 0, or -E_FAULT for a bad pointer.
static i64 read_password(struct kernel *k, const struct proc *proc_, u64 va, struct password_arg *out) {
    assert(proc_ != NULL);
    assert(out != NULL);
    mem_set(out, 0, sizeof *out);
    if (va == 0) return 0;
    out->given = true;
    i64 length = copy_string_from_user(k, proc_, out->text, sizeof out->text, va);
    if (length == -E_NAMETOOLONG) {
        out->too_long = true;
        mem_set(out->text, 0, sizeof out->text);
        return 0;
    }
    if (length >= 0) assert((u64)length < sizeof out->text); // the copy stopped at its NUL
    return length < 0 ? length : 0;
}

// "failed": the check itself could not be made (the disk could not read /etc/shadow).
static const char *auth_result_text(i64 result) {
    if (result >= 0) return "allowed";
    return result == -E_ACCES || result == -E_PERM ? "refused" : "failed";
}

// sudo with the password "" (sudo -k): forgets this session's stamp; spawns nothing.
static i64 sudo_forget(struct kernel *k, struct proc *proc_) {
    assert(k != NULL);
    assert(proc_->state == PROC_RUNNABLE); // the caller of sudo itself
    auth_stamp_forget(k, proc_->session_id, proc_->cred.ruid);
    auth_log(k, proc_->pid, proc_->cred.ruid, "sudo", "forgot", "the remembered password (sudo -k)");
    return 0;
}

// Whether the real user may use sudo now: root always, a remembered success when no
// password is given, else the password, which is then remembered.
// *retry_at_ns: set when the check must wait (delays after failures).
static i64 sudo_authenticate(struct kernel *k, struct proc *proc_, const struct password_arg *password,
                             const char **result_text, u64 *retry_at_ns) {
    assert(password != NULL);
    assert(result_text != NULL);
    u32 ruid = proc_->cred.ruid;
    *retry_at_ns = 0;
    if (ruid == ABI_UID_ROOT) { *result_text = "allowed"; return 0; }
    if (!password->given) {
        bool cached = auth_stamp_valid(k, proc_->session_id, ruid);
        *result_text = cached ? "cached" : "needs-password"; // not a failure: sudo asks next
        return cached ? 0 : -E_ACCES;
    }
    const struct auth_asker asker = auth_asker_of(k, proc_);
    i64 result = auth_check_password(k, &asker, ruid, password->too_long ? NULL : password->text, retry_at_ns);
    if (*retry_at_ns != 0) assert(result == -E_AGAIN); // a wait decided nothing
    if (result == 0) auth_stamp_set(k, proc_->session_id, ruid);
    *result_text = auth_result_text(result);
    return result;
}

// sudo(path, argv, password): the caller's real user must hold the sudo capability
// and prove its own password (root need not). Password NULL: only if this user
// proved it in this login session within the sudo timeout (else -E_ACCES); "" forgets
// that. The command then runs as root; a remembered success returns its pid too.
i64 sys_sudo(struct kernel *k, u32 slot, const u64 *args) {
    assert(slot < PROCS_MAX);
    struct proc *proc_ = &k->procs[slot];
    assert(proc_->state == PROC_RUNNABLE);
    const struct cred real = cred_of_user(proc_->cred.ruid);
    if (!kernel_capable(k, &real, CAPABILITY_SUDO)) return -E_PERM;
    struct password_arg password;
    i64 result = read_password(k, proc_, args[2], &password);
    if (result < 0) return result;
    if (password.given && !password.too_long && password.text[0] == '\0') return sudo_forget(k, proc_);
    char path[ABI_PATH_LEN_MAX];
    struct spawn_args spawn_args;
    result = spawn_read_request(k, proc_, args[0], args[1], path, &spawn_args);
    if (result < 0) { mem_set(&password, 0, sizeof password); return result; }
    const char *result_text = "refused";
    u64 retry_at_ns = 0;
    result = sudo_authenticate(k, proc_, &password, &result_text, &retry_at_ns);
    mem_set(&password, 0, sizeof password);
    if (retry_at_ns != 0) { syscall_restart_at(k, slot, retry_at_ns); return 0; } // nothing checked yet
    auth_log(k, proc_->pid, real.ruid, "sudo", result_text, path);
    if (result < 0) return result;
    const struct cred root = accounts_cred(k, ABI_UID_ROOT);
    assert(root.euid == ABI_UID_ROOT);
    return proc_spawn(k, proc_->pid, path, &spawn_args, &root);
}

// switch_user(uid, password), for su and login: becomes the user, all ids, if the
// password is the target user's, and starts a new login session (sudo's stamps are
// per session). Root may pass no password (NULL) to skip the check; a password given
// is always checked, so login (running as root) proves the user.
i64 sys_switch_user(struct kernel *k, u32 slot, const u64 *args) {
    assert(slot < PROCS_MAX);
    struct proc *proc_ = &k->procs[slot];
    assert(proc_->state == PROC_RUNNABLE);
    if (args[0] >= CRED_ID_UNCHANGED || accounts_find(k, (u32)args[0]) == NULL) return -E_INVAL;
    u32 uid = (u32)args[0];
    struct password_arg password;
    i64 result = read_password(k, proc_, args[1], &password);
    if (result < 0) return result;
    bool given = password.given;
    u64 retry_at_ns = 0;
    if (!given) {
        result = proc_->cred.euid == ABI_UID_ROOT ? 0 : -E_ACCES;
    } else {
        const struct auth_asker asker = auth_asker_of(k, proc_);
        result = auth_check_password(k, &asker, uid, password.too_long ? NULL : password.text, &retry_at_ns);
    }
    mem_set(&password, 0, sizeof password);
    if (retry_at_ns != 0) { syscall_restart_at(k, slot, retry_at_ns); return 0; } // nothing checked yet
    char detail[AUTH_LOG_DETAIL_LEN_MAX];
    format(detail, sizeof detail, "to=%u%s", uid, given ? "" : " (no password)");
    auth_log(k, proc_->pid, proc_->cred.ruid, "switch_user", auth_result_text(result), detail);
    if (result < 0) return result;
    struct cred before = proc_->cred;
    proc_->cred = accounts_cred(k, uid);
    // Every id becomes the target's: nothing of the old user stays to setuid back to.
    assert(proc_->cred.ruid == uid);
    assert(proc_->cred.euid == uid);
    assert(proc_->cred.suid == uid);
    if (planted_bug(k, BUG_SWITCH_USER_KEEPS_GROUPS)) {
        proc_->cred.groups_count = before.groups_count;
        mem_copy(proc_->cred.groups, before.groups, sizeof before.groups);
    }
    proc_->session_id = auth_session_new(k);
    return 0;
}

// Who may change uid's password, and with what proof: root anyone's, without the
// old one; others only their own (the effective uid), with the old one.
static i64 passwd_authenticate(struct kernel *k, const struct proc *proc_, u32 uid,
                               const struct password_arg *old, u64 *retry_at_ns) {
    assert(old != NULL);
    assert(retry_at_ns != NULL);
    if (proc_->cred.euid == ABI_UID_ROOT) return 0;
    if (uid != proc_->cred.euid) return -E_PERM;
    if (!old->given) return -E_ACCES;
    const struct auth_asker asker = auth_asker_of(k, proc_);
    return auth_check_password(k, &asker, uid, old->too_long ? NULL : old->text, retry_at_ns);
}

// passwd(uid, old password, new password) -> 0 | -E_ACCES | -E_PERM | -E_INVAL |
// -E_FAULT | the disk's error. After wrong old passwords the check waits (see auth.h).
i64 sys_passwd(struct kernel *k, u32 slot, const u64 *args) {
    assert(k != NULL);
    assert(slot < PROCS_MAX);
    assert(args != NULL);
    struct proc *proc_ = &k->procs[slot];
    assert(proc_->state == PROC_RUNNABLE);
    if (args[0] >= CRED_ID_UNCHANGED || accounts_find(k, (u32)args[0]) == NULL) return -E_INVAL;
    u32 uid = (u32)args[0];
    struct password_arg old, fresh;
    i64 result = read_password(k, proc_, args[1], &old);
    if (result == 0) result = read_password(k, proc_, args[2], &fresh);
    if (result == 0 && (!fresh.given || fresh.too_long)) result = -E_INVAL;
    if (result == 0) result = password_acceptable(fresh.text, str_len_bounded(fresh.text, PASSWORD_LEN_MAX));
    u64 retry_at_ns = 0;
    if (result == 0) result = passwd_authenticate(k, proc_, uid, &old, &retry_at_ns);
    mem_set(&old, 0, sizeof old);
    if (retry_at_ns != 0) { // nothing checked or changed yet
        mem_set(&fresh, 0, sizeof fresh);
        syscall_restart_at(k, slot, retry_at_ns);
        return 0;
    }
    if (result == 0) result = accounts_set_password(k, uid, fresh.text);
    mem_set(&fresh, 0, sizeof fresh);
    if (result == -E_FAULT) return result; // no event: nothing was read
    if (result == 0) auth_failures_reset(k, uid);
    char detail[AUTH_LOG_DETAIL_LEN_MAX];
    if (result == 0) format(detail, sizeof detail, "target=%u", uid);
    else format(detail, sizeof detail, "target=%u error=%lld", uid, (long long)-result);
    const char *result_text = result == 0 ? "changed" : auth_result_text(result);
    auth_log(k, proc_->pid, proc_->cred.ruid, "passwd", result_text, detail);
    return result;
}

// audit_status(struct abi_audit_status *, flags): the audit log's counters, for root
// (login shows them when root logs in). ABI_AUDIT_ACKNOWLEDGE restarts the unreported ones.
i64 sys_audit_status(struct kernel *k, u32 slot, const u64 *args) {
    assert(k != NULL);
    assert(slot < PROCS_MAX);
    struct proc *proc_ = &k->procs[slot];
    assert(proc_->state == PROC_RUNNABLE);
    if ((args[1] & ~(u64)ABI_AUDIT_ACKNOWLEDGE) != 0) return -E_INVAL;

    if (proc_->cred.euid != ABI_UID_ROOT) return -E_PERM;
    struct auth_log_state *log = &k->auth.log;
    struct abi_audit_status status = {
        .lines_written = log->lines, .unwritten = log->unwritten, .unwritten_unreported = log->unwritten_unreported,
        .last_error = log->last_error, .coalesced = log->coalesced, .suppressed = log->suppressed,
        .suppressed_unreported = log->suppressed_unreported, .rotations = log->rotations,
        .file_bytes_max = AUTH_LOG_BYTES_MAX, .share_bytes = AUTH_LOG_SHARE_BYTES,
        .archives_max = AUTH_LOG_ARCHIVES_MAX};
    i64 copied = copy_to_user(k, proc_, args[0], &status, sizeof status);
    if (copied < 0) return copied;
    if (args[1] & ABI_AUDIT_ACKNOWLEDGE) {
        log->unwritten_unreported = 0;
        log->suppressed_unreported = 0;
    }
    assert(log->unwritten_unreported <= log->unwritten);
    return 0;
}
