// The kernel's authentication state on a real booted kernel (one simulated node with
// a blank disk, first boot done): new-password rules and /etc/shadow rewrites,
// /etc/sudo.conf parsing, the delays after wrong passwords (growth, cap, per source,
// root exempt at the console, cleared by a success or by root), sudo stamps per session
// and their expiry, and the audit log: format, mode, no passwords, appends that keep
// the bytes before them, coalescing (and its time bound, from kernel_step), per-user
// shares (bounded, counted, summarised at rotation, counted again after a boot),
// numbered archives and their total bound, and events that could not be written.
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/proc/clock.h"
#include "kernel/users/accounts.h"
#include "kernel/users/auth.h"
#include "kernel/users/password.h"
#include "sim/machine/disk.h"
#include "sim/machine/node.h"
#include "sim/sim.h"
#include "tests/unit/unit.h"
#include "tests/unit/unit_sim.h"
#include "kernel/users/internal.h"

#define DISK_BYTES (64ull << 20) // each append still rewrites the whole file object
#define STEPS_MAX 200000u
#define FILE_BUFFER_BYTES (AUTH_LOG_BYTES_MAX + 1024)

static struct sim *boot_node(void) {
    return unit_sim_boot_mounted(7, STEPS_MAX, DISK_BYTES, "init.rounds=0 init.end=idle loglevel=error", false);
}

static i64 read_file(struct kernel *k, const char *path, char *buffer) {
    return accounts_read_file(k, path, buffer, FILE_BUFFER_BYTES);
}

static i64 file_mode(struct kernel *k, const char *absolute, u32 *uid) {
    struct path path;
    struct fs_inode inode;
    struct cred root = cred_of_user(ABI_UID_ROOT);
    i64 result = path_resolve("/", absolute, &path);
    if (result == 0) result = fs_lookup(k, &root, &path, &inode);
    if (result < 0) return result;
    *uid = inode.uid;
    return inode.mode;
}

static void test_password_rules(void) {
    char long_one[PASSWORD_LEN_MAX + 2];
    memset(long_one, 'a', sizeof long_one);
    long_one[PASSWORD_LEN_MAX] = '\0';
    UNIT_CHECK("password_rule_max_length_ok", password_acceptable(long_one, PASSWORD_LEN_MAX) == 0);
    long_one[PASSWORD_LEN_MAX] = 'a';
    long_one[PASSWORD_LEN_MAX + 1] = '\0';
    UNIT_CHECK("password_rule_too_long", password_acceptable(long_one, PASSWORD_LEN_MAX + 1) == -E_INVAL);
    UNIT_CHECK("password_rule_empty", password_acceptable("", 0) == -E_INVAL);
    UNIT_CHECK("password_rule_colon", password_acceptable("a:b", 3) == -E_INVAL);
    UNIT_CHECK("password_rule_newline", password_acceptable("a\nb", 3) == -E_INVAL);
    UNIT_CHECK("password_rule_one_byte", password_acceptable("x", 1) == 0);
}

static void test_sudo_conf(struct kernel *k) {
    u64 value = 7;
    UNIT_CHECK("sudo_conf_first_boot_text", auth_parse_sudo_conf(auth_sudo_conf_text, &value) == 0 && value == 300);
    UNIT_CHECK("sudo_conf_read_at_boot", k->auth.sudo_timeout_ns == SUDO_TIMEOUT_DEFAULT_S * NS_PER_S);
    UNIT_CHECK("sudo_conf_comments_blanks",
               auth_parse_sudo_conf("# x\n\n  timestamp_timeout_s = 42  # two\n", &value) == 0 && value == 42);
    UNIT_CHECK("sudo_conf_zero", auth_parse_sudo_conf("timestamp_timeout_s=0", &value) == 0 && value == 0);
    value = 9;
    UNIT_CHECK("sudo_conf_not_a_number", auth_parse_sudo_conf("timestamp_timeout_s = 5m\n", &value) == -E_INVAL);
    UNIT_CHECK("sudo_conf_unknown_key", auth_parse_sudo_conf("timeout = 5\n", &value) == -E_INVAL);
    UNIT_CHECK("sudo_conf_missing", auth_parse_sudo_conf("# nothing\n", &value) == -E_INVAL);
    UNIT_CHECK("sudo_conf_twice",
               auth_parse_sudo_conf("timestamp_timeout_s = 1\ntimestamp_timeout_s = 2\n", &value) == -E_INVAL);
    UNIT_CHECK("sudo_conf_too_large", auth_parse_sudo_conf("timestamp_timeout_s = 99999999999\n", &value) == -E_INVAL);
    UNIT_CHECK("sudo_conf_no_value", auth_parse_sudo_conf("timestamp_timeout_s =\n", &value) == -E_INVAL);
    UNIT_CHECK("sudo_conf_bad_leaves_value", value == 9);
}

static void test_set_password(struct kernel *k) {
    UNIT_CHECK("shadow_first_boot_password", accounts_check_password(k, ABI_UID_USER, BASIN_PASSWORD_XY) == 0);
    UNIT_CHECK("set_password_unacceptable", accounts_set_password(k, ABI_UID_USER, "a:b") == -E_INVAL);
    UNIT_CHECK("set_password_unknown_uid", accounts_set_password(k, 4242, "fine") == -E_INVAL);
    UNIT_CHECK("set_password_changes", accounts_set_password(k, ABI_UID_USER, "new-xy") == 0);
    UNIT_CHECK("new_password_matches", accounts_check_password(k, ABI_UID_USER, "new-xy") == 0);
    UNIT_CHECK("old_password_refused", accounts_check_password(k, ABI_UID_USER, BASIN_PASSWORD_XY) == -E_ACCES);
    UNIT_CHECK("other_line_kept", accounts_check_password(k, ABI_UID_ROOT, BASIN_PASSWORD_ROOT) == 0);
    char *text = calloc(1, FILE_BUFFER_BYTES);
    i64 length = read_file(k, "/etc/shadow", text);
    UNIT_CHECK("shadow_two_lines", length > 0 && strncmp(text, "root:$pbkdf2", 12) == 0 && strstr(text, "\nxy:$pbkdf2") != NULL &&
                                       text[length - 1] == '\n' && strstr(text, "new-xy") == NULL);
    UNIT_CHECK("shadow_other_fields_kept", strstr(strstr(text, "\nxy:"), ":99999:7:::\n") != NULL);
    u32 uid = 1;
    UNIT_CHECK("shadow_still_root_0600", file_mode(k, "/etc/shadow", &uid) == 0600 && uid == ABI_UID_ROOT);
    UNIT_CHECK("shadow_new_renamed_away", read_file(k, "/etc/shadow.new", text) == -E_NOENT);
    free(text);
    UNIT_CHECK("set_password_back", accounts_set_password(k, ABI_UID_USER, BASIN_PASSWORD_XY) == 0 &&
                                        accounts_check_password(k, ABI_UID_USER, BASIN_PASSWORD_XY) == 0);
}

static const struct auth_asker xy_asker = {.ruid = ABI_UID_USER, .owns_console = false};
static const struct auth_asker login_asker = {.ruid = ABI_UID_ROOT, .owns_console = true};
static const struct auth_asker root_elsewhere = {.ruid = ABI_UID_ROOT, .owns_console = false};

static i64 check(struct kernel *k, const struct auth_asker *asker, u32 uid, const char *password, u64 *retry_at_ns) {
    return auth_check_password(k, asker, uid, password, retry_at_ns);
}

static void test_delay_rule(void) {
    bool free_ones = true;
    for (u32 n = 0; n <= AUTH_DELAY_FREE_FAILURES; n++) free_ones &= auth_delay_ns(n) == 0;
    UNIT_CHECK("delay_none_for_the_first_failures", free_ones);
    UNIT_CHECK("delay_first", auth_delay_ns(AUTH_DELAY_FREE_FAILURES + 1) == AUTH_DELAY_FIRST_NS);
    bool doubles = true;
    for (u32 n = AUTH_DELAY_FREE_FAILURES + 2; n <= AUTH_DELAY_FREE_FAILURES + 7; n++) {
        doubles &= auth_delay_ns(n) == 2 * auth_delay_ns(n - 1);
    }
    UNIT_CHECK("delay_doubles", doubles);
    u32 capped_from = AUTH_DELAY_FREE_FAILURES + 8;
    UNIT_CHECK("delay_capped", auth_delay_ns(capped_from) == AUTH_DELAY_MAX_NS &&
                                   auth_delay_ns(capped_from - 1) < AUTH_DELAY_MAX_NS &&
                                   auth_delay_ns(AUTH_DELAY_FAILURES_MAX) == AUTH_DELAY_MAX_NS &&
                                   auth_delay_ns(~0u) == AUTH_DELAY_MAX_NS);
}

// One wrong password from `asker`, waiting out any delay first. Returns the wait.
static u64 fail_once(struct platform *node, struct kernel *k, const struct auth_asker *asker, u32 uid) {
    u64 retry_at_ns = 0, waited_ns = 0;
    i64 result = check(k, asker, uid, "bad", &retry_at_ns);
    if (result == -E_AGAIN) {
        waited_ns = retry_at_ns - kernel_monotonic_ns(k);
        node_advance(node, waited_ns);
        result = check(k, asker, uid, "bad", &retry_at_ns);
    }
    assert(result == -E_ACCES);
    assert(retry_at_ns == 0);
    return waited_ns;
}

static void test_delays(struct platform *node, struct kernel *k) {
    u64 retry_at_ns = 7;
    bool free_ones = true;
    for (u32 i = 0; i < AUTH_DELAY_FREE_FAILURES; i++) {
        free_ones &= check(k, &xy_asker, ABI_UID_ROOT, "bad", &retry_at_ns) == -E_ACCES && retry_at_ns == 0;
    }
    UNIT_CHECK("delay_first_failures_free", free_ones);
    UNIT_CHECK("delay_wrong_is_acces", check(k, &xy_asker, ABI_UID_ROOT, "bad", &retry_at_ns) == -E_ACCES &&
                                           retry_at_ns == 0);
    u64 now_ns = kernel_monotonic_ns(k);
    UNIT_CHECK("delay_next_check_waits", check(k, &xy_asker, ABI_UID_ROOT, BASIN_PASSWORD_ROOT, &retry_at_ns) == -E_AGAIN &&
                                             retry_at_ns == now_ns + AUTH_DELAY_FIRST_NS);
    UNIT_CHECK("delay_other_source_not_delayed",
               check(k, &root_elsewhere, ABI_UID_ROOT, BASIN_PASSWORD_ROOT, &retry_at_ns) == 0 && retry_at_ns == 0);
    UNIT_CHECK("delay_other_account_not_delayed",
               check(k, &xy_asker, ABI_UID_USER, BASIN_PASSWORD_XY, &retry_at_ns) == 0);
    // Checking takes (simulated) time: the disk is read. Wait to one ns before the end.
    check(k, &xy_asker, ABI_UID_ROOT, "bad", &retry_at_ns);
    node_advance(node, retry_at_ns - kernel_monotonic_ns(k) - 1);
    UNIT_CHECK("delay_not_over_early", check(k, &xy_asker, ABI_UID_ROOT, "bad", &retry_at_ns) == -E_AGAIN);
    node_advance(node, 1);
    UNIT_CHECK("delay_over_then_checked", check(k, &xy_asker, ABI_UID_ROOT, "bad", &retry_at_ns) == -E_ACCES);
    u64 waits[10];
    for (u32 i = 0; i < 10; i++) waits[i] = fail_once(node, k, &xy_asker, ABI_UID_ROOT);
    UNIT_CHECK("delay_grows", waits[0] == 2 * AUTH_DELAY_FIRST_NS && waits[1] == 4 * AUTH_DELAY_FIRST_NS &&
                                  waits[2] == 8 * AUTH_DELAY_FIRST_NS);
    UNIT_CHECK("delay_cap_holds", waits[8] == AUTH_DELAY_MAX_NS && waits[9] == AUTH_DELAY_MAX_NS);
    // xy's loop has root's password at its longest delay for xy: root at the console is not slowed.
    UNIT_CHECK("delay_root_at_console_exempt",
               check(k, &login_asker, ABI_UID_ROOT, BASIN_PASSWORD_ROOT, &retry_at_ns) == 0 && retry_at_ns == 0);
    bool never = true;
    for (u32 i = 0; i < 20; i++) never &= check(k, &login_asker, ABI_UID_ROOT, "bad", &retry_at_ns) == -E_ACCES;
    UNIT_CHECK("delay_root_at_console_never_waits",
               never && check(k, &login_asker, ABI_UID_ROOT, BASIN_PASSWORD_ROOT, &retry_at_ns) == 0);
    for (u32 i = 0; i <= AUTH_DELAY_FREE_FAILURES; i++) check(k, &login_asker, ABI_UID_USER, "bad", &retry_at_ns);
    UNIT_CHECK("delay_console_exemption_is_roots_only",
               check(k, &login_asker, ABI_UID_USER, BASIN_PASSWORD_XY, &retry_at_ns) == -E_AGAIN);
    UNIT_CHECK("delay_xy_still_waits_for_root",
               check(k, &xy_asker, ABI_UID_ROOT, BASIN_PASSWORD_ROOT, &retry_at_ns) == -E_AGAIN);
    node_advance(node, AUTH_DELAY_MAX_NS);
    UNIT_CHECK("delay_right_password_after_wait", check(k, &xy_asker, ABI_UID_ROOT, BASIN_PASSWORD_ROOT, &retry_at_ns) == 0);
    for (u32 i = 0; i < AUTH_DELAY_FREE_FAILURES; i++) check(k, &xy_asker, ABI_UID_ROOT, "bad", &retry_at_ns);
    UNIT_CHECK("delay_cleared_by_success", check(k, &xy_asker, ABI_UID_ROOT, "bad", &retry_at_ns) == -E_ACCES &&
                                               retry_at_ns == 0 &&
                                               check(k, &xy_asker, ABI_UID_ROOT, "bad", &retry_at_ns) == -E_AGAIN &&
                                               retry_at_ns == kernel_monotonic_ns(k) + AUTH_DELAY_FIRST_NS);
    node_advance(node, AUTH_DELAY_FIRST_NS);
    i64 too_long = check(k, &xy_asker, ABI_UID_ROOT, NULL, &retry_at_ns);
    UNIT_CHECK("delay_too_long_counts", too_long == -E_ACCES &&
                                            check(k, &xy_asker, ABI_UID_ROOT, NULL, &retry_at_ns) == -E_AGAIN);
    UNIT_CHECK("delay_unknown_uid", check(k, &xy_asker, 4242, "x", &retry_at_ns) == -E_ACCES && retry_at_ns == 0);
    auth_failures_reset(k, ABI_UID_ROOT);
    auth_failures_reset(k, ABI_UID_USER);
    UNIT_CHECK("delay_reset_by_root", check(k, &xy_asker, ABI_UID_ROOT, BASIN_PASSWORD_ROOT, &retry_at_ns) == 0 &&
                                          check(k, &login_asker, ABI_UID_USER, BASIN_PASSWORD_XY, &retry_at_ns) == 0);
}

static void test_stamps(struct platform *node, struct kernel *k) {
    u64 a = auth_session_new(k), b = auth_session_new(k);
    UNIT_CHECK("session_ids_fresh", a != AUTH_SESSION_NONE && b != AUTH_SESSION_NONE && a != b);
    UNIT_CHECK("session_of_init_none", auth_session_of_pid(k, 0) == AUTH_SESSION_NONE &&
                                           auth_session_of_pid(k, 1) == k->procs[0].session_id);
    auth_stamp_set(k, a, ABI_UID_USER);
    UNIT_CHECK("stamp_valid", auth_stamp_valid(k, a, ABI_UID_USER));
    UNIT_CHECK("stamp_other_session", !auth_stamp_valid(k, b, ABI_UID_USER));
    UNIT_CHECK("stamp_other_user", !auth_stamp_valid(k, a, ABI_UID_ROOT));
    auth_stamp_set(k, AUTH_SESSION_NONE, ABI_UID_USER);
    UNIT_CHECK("stamp_never_outside_session", !auth_stamp_valid(k, AUTH_SESSION_NONE, ABI_UID_USER));
    node_advance(node, k->auth.sudo_timeout_ns - 1);
    UNIT_CHECK("stamp_valid_until_timeout", auth_stamp_valid(k, a, ABI_UID_USER));
    node_advance(node, 1);
    UNIT_CHECK("stamp_expires", !auth_stamp_valid(k, a, ABI_UID_USER));
    auth_stamp_set(k, a, ABI_UID_USER);
    auth_stamp_forget(k, a, ABI_UID_USER);
    UNIT_CHECK("stamp_forgotten", !auth_stamp_valid(k, a, ABI_UID_USER));
    u64 saved = k->auth.sudo_timeout_ns;
    k->auth.sudo_timeout_ns = 0;
    auth_stamp_set(k, a, ABI_UID_USER);
    UNIT_CHECK("stamp_timeout_zero_always_asks", !auth_stamp_valid(k, a, ABI_UID_USER));
    k->auth.sudo_timeout_ns = saved;
    u64 first = auth_session_new(k);
    auth_stamp_set(k, first, ABI_UID_USER);
    for (u32 i = 0; i < AUTH_STAMPS_MAX; i++) {
        node_advance(node, 1000);
        auth_stamp_set(k, auth_session_new(k), ABI_UID_USER);
    }
    UNIT_CHECK("stamp_oldest_evicted", !auth_stamp_valid(k, first, ABI_UID_USER) &&
                                           auth_stamp_valid(k, k->auth.session_next - 1, ABI_UID_USER));
}

static void test_log_format(void) {
    char line[AUTH_LOG_LINE_LEN_MAX];
    u32 length = auth_log_format(line, 1700000000123456789ull, 7, 1000, "sudo", "allowed", "/bin/who\nami");
    UNIT_CHECK("log_format", strcmp(line, "1700000000.123456789 pid=7 uid=1000 sudo allowed /bin/who?ami\n") == 0 &&
                                 length == strlen(line));
    char detail[AUTH_LOG_LINE_LEN_MAX * 2];
    memset(detail, 'x', sizeof detail - 1);
    detail[sizeof detail - 1] = '\0';
    length = auth_log_format(line, 5, 1, 0, "passwd", "changed", detail);
    UNIT_CHECK("log_format_bounded", length == AUTH_LOG_LINE_LEN_MAX - 1 && line[length - 1] == '\n' &&
                                         strchr(line, '\n') == line + length - 1);
}

static u32 count_of(const char *text, const char *needle) {
    u32 count = 0;
    for (const char *at = strstr(text, needle); at != NULL; at = strstr(at + 1, needle)) count++;
    return count;
}

static i64 log_text(struct kernel *k, u32 archive, char *text) {
    char path[AUTH_LOG_PATH_LEN_MAX];
    auth_log_file_path(archive, path);
    return read_file(k, path, text);
}

static void test_log_basics(struct kernel *k, char *text) {
    u64 lines_before = k->auth.log.lines;
    auth_log(k, 3, ABI_UID_USER, "sudo", "refused", "/bin/whoami");
    i64 length = log_text(k, 0, text);
    UNIT_CHECK("log_appended", length > 0 && strstr(text, " pid=3 uid=1000 sudo refused /bin/whoami\n") != NULL &&
                                   k->auth.log.lines == lines_before + 1);
    UNIT_CHECK("log_no_password", strstr(text, BASIN_PASSWORD_XY) == NULL && strstr(text, "bad") == NULL);
    u32 uid = 1;
    UNIT_CHECK("log_root_0600", file_mode(k, AUTH_LOG_PATH, &uid) == 0600 && uid == ABI_UID_ROOT);
    char path[AUTH_LOG_PATH_LEN_MAX];
    auth_log_file_path(3, path);
    UNIT_CHECK("log_archive_names", strcmp(path, "/var/log/auth.3") == 0);
    // Appended, not rewritten: what was there stays byte for byte, the new line after it.
    char *before = strdup(text);
    auth_log(k, 3, ABI_UID_USER, "sudo", "refused", "/bin/id");
    i64 after = log_text(k, 0, text);
    UNIT_CHECK("log_append_keeps_bytes", after > length && memcmp(before, text, (size_t)length) == 0 &&
                                             strncmp(text + length, "", 0) == 0 &&
                                             strstr(text + length, "sudo refused /bin/id\n") != NULL);
    free(before);
}

static void test_log_coalescing(struct platform *node, struct kernel *k, char *text) {
    auth_log(k, 20, ABI_UID_USER, "passwd", "refused", "target=1000");
    u64 coalesced = k->auth.log.coalesced;
    for (u32 i = 0; i < 5; i++) auth_log(k, 21 + i, ABI_UID_USER, "passwd", "refused", "target=1000");
    log_text(k, 0, text);
    UNIT_CHECK("coalesce_identical_counted_not_written", count_of(text, "passwd refused target=1000") == 1 &&
                                                             k->auth.log.coalesced == coalesced + 5);
    UNIT_CHECK("coalesce_deadline_set", k->auth.log.repeat_deadline_ns != 0 &&
                                            k->auth.log.repeat_deadline_ns <= kernel_monotonic_ns(k) + AUTH_LOG_REPEAT_WAIT_NS);
    auth_log(k, 30, ABI_UID_ROOT, "switch_user", "allowed", "to=0");
    log_text(k, 0, text);
    UNIT_CHECK("coalesce_per_user", count_of(text, "repeated") == 0);
    auth_log(k, 26, ABI_UID_USER, "sudo", "forgot", "x");
    log_text(k, 0, text);
    char *repeat = strstr(text, "pid=25 uid=1000 repeated 5 times: passwd refused target=1000\n");
    UNIT_CHECK("coalesce_written_before_next_event", repeat != NULL && strstr(repeat, "sudo forgot x\n") != NULL &&
                                                         k->auth.log.repeat_deadline_ns == 0);
    // Waiting too long: the kernel writes the repeats itself, from kernel_step.
    auth_log(k, 40, ABI_UID_USER, "sudo", "forgot", "x");
    auth_log(k, 41, ABI_UID_USER, "sudo", "forgot", "x");
    u64 due_ns = k->auth.log.repeat_deadline_ns;
    UNIT_CHECK("coalesce_bound", due_ns == kernel_monotonic_ns(k) + AUTH_LOG_REPEAT_WAIT_NS);
    struct sim *sim = node->sim;
    enum sim_end end;
    for (u32 i = 0; i < STEPS_MAX && k->auth.log.repeat_deadline_ns != 0; i++) {
        if (!sim_step(sim, &end)) break;
    }
    log_text(k, 0, text);
    UNIT_CHECK("coalesce_written_by_kernel_after_wait", strstr(text, "pid=41 uid=1000 repeated 2 times: sudo forgot x\n") != NULL &&
                                                            kernel_monotonic_ns(k) >= due_ns &&
                                                            kernel_monotonic_ns(k) < due_ns + NS_PER_S);
}

// Distinct events of xy until its share is full, then many more.
static void flood(struct kernel *k, u32 uid, const char *tag, u32 count) {
    for (u32 i = 0; i < count; i++) {
        char detail[48];
        snprintf(detail, sizeof detail, "/bin/%s-%u", tag, i);
        auth_log(k, 50, uid, "sudo", "needs-password", detail);
    }
}

static void test_log_shares(struct kernel *k, char *text) {
    u64 rotations = k->auth.log.rotations, suppressed = k->auth.log.suppressed;
    u32 slot = auth_log_user_slot(k, ABI_UID_USER);
    flood(k, ABI_UID_USER, "noise", 5000);
    log_text(k, 0, text);
    UNIT_CHECK("share_bounds_a_user", k->auth.log.users[slot].used_bytes <= AUTH_LOG_SHARE_BYTES &&
                                          k->auth.log.users[slot].used_bytes > AUTH_LOG_SHARE_BYTES - AUTH_LOG_LINE_LEN_MAX);
    UNIT_CHECK("share_user_cannot_rotate", k->auth.log.rotations == rotations);
    UNIT_CHECK("share_excess_counted", k->auth.log.suppressed > suppressed + 4900 &&
                                           k->auth.log.users[slot].suppressed > 4900);
    UNIT_CHECK("share_said_once", count_of(text, "audit over-share uid=1000") == 1 &&
                                      strstr(text, "pid=0 uid=0 audit over-share uid=1000 share=2048 bytes") != NULL);
    UNIT_CHECK("share_earlier_lines_kept", strstr(text, "sudo refused /bin/whoami") != NULL);
    auth_log(k, 60, ABI_UID_ROOT, "switch_user", "allowed", "to=1000 after-flood");
    log_text(k, 0, text);
    UNIT_CHECK("share_root_has_room", strstr(text, "uid=0 switch_user allowed to=1000 after-flood\n") != NULL);
    // A reboot forgets the counts in RAM; the file itself says what xy used.
    u32 used = k->auth.log.users[slot].used_bytes;
    k->auth.log.scanned = false;
    for (u32 i = 0; i < AUTH_LOG_USERS_MAX; i++) k->auth.log.users[i].used_bytes = 0;
    auth_log(k, 61, ABI_UID_USER, "sudo", "needs-password", "/bin/after-boot");
    UNIT_CHECK("share_counted_from_file_after_boot", k->auth.log.users[slot].used_bytes == used);
}

static void test_log_archives(struct kernel *k, char *text) {
    u64 rotations = k->auth.log.rotations;
    u64 xy_suppressed = k->auth.log.users[auth_log_user_slot(k, ABI_UID_USER)].suppressed;
    flood(k, ABI_UID_ROOT, "root", 400); // about 30 KiB of root's lines: two rotations
    UNIT_CHECK("archive_rotated_by_root", k->auth.log.rotations >= rotations + 1);
    i64 first_archive = log_text(k, 1, text);
    char summary[96];
    snprintf(summary, sizeof summary, "audit suppressed uid=1000 events=%llu beyond its share",
             (unsigned long long)xy_suppressed);
    bool summarised = strstr(text, summary) != NULL;
    if (!summarised && log_text(k, 0, text) > 0) summarised = strstr(text, summary) != NULL;
    UNIT_CHECK("archive_summary_of_suppressed", summarised);
    UNIT_CHECK("archive_share_starts_again", k->auth.log.users[auth_log_user_slot(k, ABI_UID_USER)].suppressed == 0);
    flood(k, ABI_UID_ROOT, "more", 1300); // more than all the files hold
    u64 total = 0;
    bool each_bounded = true;
    for (u32 archive = 0; archive <= AUTH_LOG_ARCHIVES_MAX; archive++) {
        i64 length = log_text(k, archive, text);
        each_bounded &= length > 0 && length <= AUTH_LOG_BYTES_MAX;
        total += length > 0 ? (u64)length : 0;
    }
    UNIT_CHECK("archive_all_present", each_bounded && first_archive > 0);
    char beyond[32];
    snprintf(beyond, sizeof beyond, "%s.%u", AUTH_LOG_PATH, AUTH_LOG_ARCHIVES_MAX + 1);
    UNIT_CHECK("archive_beyond_max_absent", read_file(k, beyond, text) == -E_NOENT);
    UNIT_CHECK("archive_total_bounded", total <= AUTH_LOG_TOTAL_BYTES_MAX && total > (u64)AUTH_LOG_BYTES_MAX * AUTH_LOG_ARCHIVES_MAX);
    log_text(k, AUTH_LOG_ARCHIVES_MAX, text);
    UNIT_CHECK("archive_oldest_dropped", strstr(text, "/bin/root-") == NULL && strstr(text, "/bin/more-") != NULL);
    log_text(k, 0, text);
    UNIT_CHECK("archive_newest_current", strstr(text, "/bin/more-1299\n") != NULL);
    u32 uid = 1;
    UNIT_CHECK("archive_root_0600", file_mode(k, "/var/log/auth.2", &uid) == 0600 && uid == ABI_UID_ROOT);
}

static void test_log_unwritten(struct kernel *k, char *text) {
    enum fs_state state = k->fs.state;
    u64 unwritten = k->auth.log.unwritten;
    k->fs.state = FS_NO_DISK;
    auth_log(k, 5, ABI_UID_USER, "sudo", "allowed", "/bin/id");
    auth_log(k, 5, ABI_UID_ROOT, "switch_user", "allowed", "to=0 lost");
    k->fs.state = state;
    UNIT_CHECK("unwritten_counted", k->auth.log.unwritten == unwritten + 2 &&
                                        k->auth.log.unwritten_unreported >= 2 && k->auth.log.last_error == -E_NODEV);
    auth_log(k, 5, ABI_UID_USER, "sudo", "allowed", "/bin/id");
    log_text(k, 0, text);
    char *note = strstr(text, "pid=0 uid=0 audit unwritten events=2 last-error=19");
    UNIT_CHECK("unwritten_noted_in_file", note != NULL && strstr(note, "uid=1000 sudo allowed /bin/id\n") != NULL &&
                                              k->auth.log.unwritten_unnoted == 0);
}

static void test_log(struct platform *node, struct kernel *k) {
    char *text = calloc(1, FILE_BUFFER_BYTES);
    test_log_basics(k, text);
    test_log_coalescing(node, k, text);
    test_log_shares(k, text);
    test_log_archives(k, text);
    test_log_unwritten(k, text);
    free(text);
}

int main(void) {
    test_password_rules();
    test_delay_rule();
    test_log_format();
    struct sim *sim = boot_node();
    struct platform *node = sim->nodes[0];
    struct kernel *k = &node->kernel;
    test_sudo_conf(k);
    test_set_password(k);
    test_delays(node, k);
    test_stamps(node, k);
    test_log(node, k);
    sim_destroy(sim);
    UNIT_EXIT();
}
