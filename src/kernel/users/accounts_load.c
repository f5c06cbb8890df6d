// The kernel's view of the accounts: who is who (/etc/passwd), who may do what
// (/etc/capabilities), both read at boot, and password checks against /etc/shadow,
// read at each check. All read as root, whatever the files' modes.
#include "kernel/users/accounts.h"

#include "kernel/users/auth.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/users/password.h"
#include "kernel/users/internal.h"

#define ACCOUNT_FIELDS_MAX 8
#define ACCOUNT_ID_MAX 0xfffffffeu
// Reads of an account file at boot: a device read error is transient (GrainDB already
// read each record twice), and one that struck here would stand for the whole life
// (no capabilities: sudo denied until the next boot). Damage (-E_BADMSG) is not retried.
#define ACCOUNTS_BOOT_READ_ATTEMPTS_MAX 3u

static const char capability_names[CAPABILITY_COUNT][12] = {
    [CAPABILITY_SUDO] = "sudo", [CAPABILITY_SHUTDOWN] = "shutdown", [CAPABILITY_MOUNT] = "mount"};

// Without a disk: root, and xy who may use sudo and is in "users", as the first
// boot's files say.
static void accounts_defaults(struct accounts *accounts) {
    assert(accounts != NULL);
    mem_set(accounts, 0, sizeof *accounts);
    accounts->entries[0] = (struct account){
        .uid = ABI_UID_ROOT, .gid = ABI_UID_ROOT, .groups_count = 1, .groups = {ABI_UID_ROOT}, .name = "root"};
    accounts->entries[1] = (struct account){.uid = ABI_UID_USER,
                                            .gid = ABI_UID_USER,
                                            .capabilities = 1u << CAPABILITY_SUDO,
                                            .groups_count = 2,
                                            .groups = {ABI_UID_USER, GROUP_USERS_GID},
                                            .name = "xy"};
    accounts->count = 2;
    assert(accounts->count <= ACCOUNTS_MAX);
}

i64 accounts_read_file(struct kernel *k, const char *absolute, char *buffer, u32 capacity) {
    assert(absolute[0] == '/'); // the kernel's own file names, never a user's
    assert(buffer != NULL);
    struct cred root = cred_of_user(ABI_UID_ROOT);
    struct path path;
    struct fs_inode inode;
    i64 result = path_resolve("/", absolute, &path);
    if (result == 0) result = fs_lookup(k, &root, &path, &inode);
    if (result < 0) return result;
    if (inode.type != ABI_TYPE_FILE) return -E_ISDIR;
    assert(capacity > 0);
    u64 size = 0;
    result = fs_file_read_all(k, &inode, k->fs.program_buffer, sizeof k->fs.program_buffer, &size);
    if (result < 0) return result;
    u64 length = size < capacity - 1 ? size : capacity - 1;
    mem_copy(buffer, k->fs.program_buffer, length);
    mem_set(k->fs.program_buffer, 0, size); // /etc/shadow passes through here
    assert(length < capacity); // and its NUL
    buffer[length] = '\0';
    return (i64)length;
}

// accounts_read_file at boot, read again while the device fails (-E_IO).
static i64 accounts_read_file_at_boot(struct kernel *k, const char *absolute, char *buffer, u32 capacity) {
    assert(k != NULL);
    assert(absolute != NULL);
    i64 result = accounts_read_file(k, absolute, buffer, capacity);
    for (u32 attempt = 1; attempt < ACCOUNTS_BOOT_READ_ATTEMPTS_MAX && result == -E_IO; attempt++) {
        klog(k, LOG_DEBUG, "accounts: reading %s failed (error %lld): reading it again", absolute,
             (long long)-result);
        result = accounts_read_file(k, absolute, buffer, capacity);
    }
    return result;
}

// Splits one line (ending at '\n' or NUL) at ':' in place. Returns the field count;
// *next is where the following line starts.
static u32 line_fields(char *line, char *fields[ACCOUNT_FIELDS_MAX], char **next) {
    assert(line != NULL);
    assert(next != NULL);
    u32 count = 0;
    fields[count++] = line;
    char *c = line;
    for (; *c != '\0' && *c != '\n'; c++) {
        if (*c != ':') continue;
        *c = '\0';
        if (count < ACCOUNT_FIELDS_MAX) fields[count++] = c + 1;
    }
    *next = *c == '\n' ? c + 1 : c;
    *c = '\0';
    assert(count >= 1);
    assert(count <= ACCOUNT_FIELDS_MAX); // further fields stay joined to the last one kept
    return count;
}

static bool parse_id(const char *text, u32 *out) {
    assert(text != NULL);
    assert(out != NULL);
    u64 value = 0;
    if (*text == '\0') return false;
    for (; *text != '\0'; text++) {
        if (*text < '0' || *text > '9') return false;
        value = value * 10 + (u64)(*text - '0');
        if (value > ACCOUNT_ID_MAX) return false;
    }
    assert(value < ABI_ID_UNCHANGED); // no account has the id that means "unchanged"
    *out = (u32)value;
    return true;
}

// name:password:uid:gid:gecos:home:shell
static void accounts_parse_passwd(char *text, struct accounts *out) {
    assert(text != NULL);
    mem_set(out, 0, sizeof *out);
    for (char *line = text; *line != '\0' && out->count < ACCOUNTS_MAX;) {
        char *fields[ACCOUNT_FIELDS_MAX];
        u32 count = line_fields(line, fields, &line);
        struct account account;
        mem_set(&account, 0, sizeof account);
        if (count < 4 || !parse_id(fields[2], &account.uid) || !parse_id(fields[3], &account.gid)) continue;
        if (!str_copy(account.name, sizeof account.name, fields[0]) || account.name[0] == '\0') continue;
        account.groups_count = 1;
        account.groups[0] = account.gid;
        assert(out->count < ACCOUNTS_MAX); // the loop stops when the table is full
        out->entries[out->count++] = account;
    }
    assert(out->count <= ACCOUNTS_MAX);
}

// name:capability,capability
static void accounts_parse_capabilities(char *text, struct accounts *accounts) {
    assert(text != NULL);
    assert(accounts->count <= ACCOUNTS_MAX);
    for (char *line = text; *line != '\0';) {
        char *fields[ACCOUNT_FIELDS_MAX];
        if (line_fields(line, fields, &line) < 2) continue;
        for (u32 i = 0; i < accounts->count; i++) {
            if (!str_equal(accounts->entries[i].name, fields[0])) continue;
            for (char *word = fields[1]; *word != '\0';) {
                char *end = word;
                while (*end != '\0' && *end != ',') end++;
                bool last = *end == '\0';
                *end = '\0';
                for (u32 c = 0; c < CAPABILITY_COUNT; c++) {
                    if (str_equal(word, capability_names[c])) accounts->entries[i].capabilities |= 1u << c;
                }
                word = last ? end : end + 1;
            }
        }
    }
}

void accounts_load(struct kernel *k) {
    assert(k != NULL);
    accounts_defaults(&k->accounts);
    auth_load_config(k);
    if (fs_usable(k) != 0) return;
    char text[ACCOUNTS_FILE_BYTES_MAX];
    struct accounts loaded;
    i64 length = accounts_read_file_at_boot(k, "/etc/passwd", text, sizeof text);
    if (length >= 0) accounts_parse_passwd(text, &loaded);
    if (length < 0 || loaded.count == 0) {
        klog(k, LOG_WARN, "accounts: /etc/passwd unusable (error %lld); built-in root and xy", (long long)-length);
        return;
    }
    length = accounts_read_file_at_boot(k, "/etc/capabilities", text, sizeof text);
    if (length >= 0) accounts_parse_capabilities(text, &loaded);
    else klog(k, LOG_WARN, "accounts: no /etc/capabilities (error %lld): none granted", (long long)-length);
    length = accounts_read_file_at_boot(k, "/etc/group", text, sizeof text);
    if (length >= 0) accounts_parse_group(text, &loaded);
    else klog(k, LOG_WARN, "accounts: no /etc/group (error %lld): primary groups only", (long long)-length);
    assert(loaded.count >= 1); // an empty /etc/passwd keeps the built-in accounts
    assert(loaded.count <= ACCOUNTS_MAX);
    k->accounts = loaded;
    klog(k, LOG_INFO, "accounts: %u users", loaded.count);
}

const struct account *accounts_find(const struct kernel *k, u32 uid) {
    assert(k != NULL);
    assert(k->accounts.count <= ACCOUNTS_MAX);
    for (u32 i = 0; i < k->accounts.count; i++) {
        if (k->accounts.entries[i].uid == uid) return &k->accounts.entries[i];
    }
    return NULL;
}

struct cred accounts_cred(const struct kernel *k, u32 uid) {
    struct cred cred = cred_of_user(uid);
    const struct account *account = accounts_find(k, uid);
    if (account == NULL) return cred;
    assert(account->groups_count >= 1);
    assert(account->groups_count <= GROUPS_MAX);
    cred.groups_count = account->groups_count;
    for (u32 i = 0; i < account->groups_count; i++) cred.groups[i] = account->groups[i];
    return cred;
}

bool kernel_capable(const struct kernel *k, const struct cred *cred, enum capability capability) {
    assert(cred != NULL);
    assert(capability < CAPABILITY_COUNT);
    if (cred->euid == ABI_UID_ROOT) return true;
    const struct account *account = accounts_find(k, cred->euid);
    return account != NULL && (account->capabilities & (1u << capability)) != 0;
}

i64 accounts_check_password(struct kernel *k, u32 uid, const char *password) {
    assert(password != NULL); // auth_check_password refuses a missing one itself
    const struct account *account = accounts_find(k, uid);
    if (account == NULL) return -E_ACCES;
    char text[ACCOUNTS_FILE_BYTES_MAX];
    i64 length = accounts_read_file(k, "/etc/shadow", text, sizeof text);
    if (length < 0) return length == -E_NOENT ? -E_ACCES : length;
    assert((u64)length < sizeof text);

    bool matches = false;
    for (char *line = text; *line != '\0' && !matches;) {
        char *fields[ACCOUNT_FIELDS_MAX];
        if (line_fields(line, fields, &line) < 2 || !str_equal(fields[0], account->name)) continue;
        matches = password_matches(password, fields[1], (u32)str_len_bounded(fields[1], PASSWORD_ENCODED_LEN_MAX));
        break;
    }
    mem_set(text, 0, sizeof text);
    return matches ? 0 : -E_ACCES;
}
