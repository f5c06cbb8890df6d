// The kernel's authentication state on a real booted kernel (one simulated node with
// a blank disk, first boot done): new-password rules and /etc/shadow rewrites,
// /etc/sudo.conf parsing, the lockout after AUTH_FAILURES_MAX failures and its
// expiry, sudo stamps per session and their expiry, and /var/log/auth (format,
// mode, no passwords, rotation, a failed write that changes nothing else).
#include <stdlib.h>
#include <string.h>

#include "kernel/accounts.h"
#include "kernel/auth.h"
#include "kernel/password.h"
#include "sim/sim.h"
#include "unit.h"
#include "unit_sim.h"

#define DISK_BYTES (16ull << 20)
#define STEPS_MAX 200000u
#define FILE_BUFFER_BYTES (AUTH_LOG_BYTES_MAX + 1024)

static struct sim *boot_node(void) {
    struct sim_config config;
    unit_sim_config(&config, 7, STEPS_MAX, "init.rounds=0 init.end=idle loglevel=error");
    config.log_level = LOG_ERROR;
    config.disk_size_bytes = DISK_BYTES;
    config.disk_fault_scope = DISK_FAULTS_RECOVERABLE;
    struct sim *sim = unit_sim_start(&config);
    enum sim_end end;
    for (u32 i = 0; i < STEPS_MAX; i++) {
        struct platform *node = sim->nodes[0];
        if (node->state == NODE_RUNNING && node->kernel.fs.state == FS_MOUNTED) break;
        if (!sim_step(sim, &end)) break;
    }
    assert(sim->nodes[0]->kernel.fs.state == FS_MOUNTED);
    return sim;
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

static void test_lockout(struct platform *node, struct kernel *k) {
    bool refused = true;
    for (u32 i = 0; i + 1 < AUTH_FAILURES_MAX; i++) refused &= auth_check_password(k, ABI_UID_USER, "bad") == -E_ACCES;
    UNIT_CHECK("lockout_wrong_is_acces", refused);
    UNIT_CHECK("lockout_success_resets", auth_check_password(k, ABI_UID_USER, BASIN_PASSWORD_XY) == 0 &&
                                             k->auth.failures[1].count == 0);
    for (u32 i = 0; i + 1 < AUTH_FAILURES_MAX; i++) auth_check_password(k, ABI_UID_USER, "bad");
    UNIT_CHECK("lockout_not_before_max", auth_check_password(k, ABI_UID_USER, BASIN_PASSWORD_XY) == 0);
    for (u32 i = 0; i + 1 < AUTH_FAILURES_MAX; i++) auth_check_password(k, ABI_UID_USER, "bad");
    UNIT_CHECK("lockout_too_long_counts", auth_check_password(k, ABI_UID_USER, NULL) == -E_ACCES);
    UNIT_CHECK("lockout_locked_right_password", auth_check_password(k, ABI_UID_USER, BASIN_PASSWORD_XY) == -E_AGAIN);
    UNIT_CHECK("lockout_locked_wrong_password", auth_check_password(k, ABI_UID_USER, "bad") == -E_AGAIN);
    UNIT_CHECK("lockout_per_account", auth_check_password(k, ABI_UID_ROOT, BASIN_PASSWORD_ROOT) == 0);
    node_advance(node, AUTH_LOCKOUT_NS - NS_PER_S);
    UNIT_CHECK("lockout_still_locked", auth_check_password(k, ABI_UID_USER, BASIN_PASSWORD_XY) == -E_AGAIN);
    node_advance(node, NS_PER_S);
    UNIT_CHECK("lockout_expires", auth_check_password(k, ABI_UID_USER, BASIN_PASSWORD_XY) == 0);
    UNIT_CHECK("lockout_unknown_uid", auth_check_password(k, 4242, "x") == -E_ACCES);
    for (u32 i = 0; i < AUTH_FAILURES_MAX; i++) auth_check_password(k, ABI_UID_USER, "bad");
    auth_failures_reset(k, ABI_UID_USER);
    UNIT_CHECK("lockout_reset_by_root", auth_check_password(k, ABI_UID_USER, BASIN_PASSWORD_XY) == 0);
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

static void test_log(struct kernel *k) {
    char *text = calloc(1, FILE_BUFFER_BYTES);
    u64 lines_before = k->auth.log_lines;
    auth_log(k, 3, ABI_UID_USER, "sudo", "refused", "/bin/whoami");
    i64 length = read_file(k, AUTH_LOG_PATH, text);
    UNIT_CHECK("log_appended", length > 0 && strstr(text, " pid=3 uid=1000 sudo refused /bin/whoami\n") != NULL &&
                                   k->auth.log_lines == lines_before + 1);
    UNIT_CHECK("log_has_lockout_and_no_password",
               strstr(text, "lockout locked target=1000") != NULL && strstr(text, BASIN_PASSWORD_XY) == NULL &&
                   strstr(text, "bad") == NULL);
    u32 uid = 1;
    UNIT_CHECK("log_root_0600", file_mode(k, AUTH_LOG_PATH, &uid) == 0600 && uid == ABI_UID_ROOT);
    u32 written = 0;
    while (read_file(k, AUTH_LOG_OLD_PATH, text) == -E_NOENT && written < 1000) {
        char detail[32];
        snprintf(detail, sizeof detail, "n=%u", written++);
        auth_log(k, 4, ABI_UID_USER, "sudo", "cached", detail);
    }
    i64 old_length = read_file(k, AUTH_LOG_OLD_PATH, text);
    char last[32];
    snprintf(last, sizeof last, "n=%u\n", written - 2);
    UNIT_CHECK("log_rotated_bounded", old_length > AUTH_LOG_BYTES_MAX / 2 && old_length <= AUTH_LOG_BYTES_MAX &&
                                          strstr(text, last) != NULL);
    length = read_file(k, AUTH_LOG_PATH, text);
    snprintf(last, sizeof last, "n=%u\n", written - 1);
    UNIT_CHECK("log_new_file_continues", length > 0 && length < 200 && strstr(text, last) != NULL);
    UNIT_CHECK("log_new_file_root_0600", file_mode(k, AUTH_LOG_PATH, &uid) == 0600 && uid == ABI_UID_ROOT &&
                                             file_mode(k, AUTH_LOG_OLD_PATH, &uid) == 0600);
    enum fs_state state = k->fs.state;
    u64 failures = k->auth.log_failures;
    k->fs.state = FS_NO_DISK;
    auth_log(k, 5, ABI_UID_USER, "sudo", "allowed", "/bin/id");
    k->fs.state = state;
    UNIT_CHECK("log_failure_counted", k->auth.log_failures == failures + 1);
    free(text);
}

int main(void) {
    test_password_rules();
    test_log_format();
    struct sim *sim = boot_node();
    struct platform *node = sim->nodes[0];
    struct kernel *k = &node->kernel;
    test_sudo_conf(k);
    test_set_password(k);
    test_lockout(node, k);
    test_stamps(node, k);
    test_log(k);
    sim_destroy(sim);
    UNIT_EXIT();
}
