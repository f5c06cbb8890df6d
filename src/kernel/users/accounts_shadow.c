// Changing a password: /etc/shadow rewritten with one line replaced. The new file is
// written whole under another name and renamed over the old one (one GrainDB batch),
// so a power loss leaves either the old shadow or the new, never half of one.
#include "kernel/users/accounts.h"

#include "kernel/kernel.h"
#include "kernel/lib/format.h"
#include "kernel/lib/mem.h"
#include "kernel/users/password.h"
#include "kernel/fs/path.h"
#include "kernel/users/internal.h"

#define SHADOW_PATH "/etc/shadow"
#define SHADOW_NEW_PATH "/etc/shadow.new"
#define SHADOW_MODE 0600
#define NS_PER_DAY (86400ull * 1000000000ull)

static const char shadow_rest_default[] = ":0:99999:7:::"; // after the hash, as at the first boot

static bool append_bytes(char *out, u32 capacity, u32 *at, const char *bytes, u64 count) {
    assert(*at < capacity); // out holds its text and the NUL after it
    if (*at + count >= capacity) return false;
    mem_copy(out + *at, bytes, count);
    *at += (u32)count;
    assert(*at < capacity);
    out[*at] = '\0';
    return true;
}

static bool append_text(char *out, u32 capacity, u32 *at, const char *text) {
    assert(text != NULL);
    assert(out != NULL);
    return append_bytes(out, capacity, at, text, str_len_bounded(text, capacity));
}

// name:hash:lastchange:...: the new hash, the day of the change (days since 1970, as
// shadow(5) counts), and the line's other fields as they were.
static bool shadow_line(struct kernel *k, char *out, u32 capacity, u32 *at, const char *name,
                        const char *encoded, const char *rest, u64 rest_len) {
    assert(name != NULL);
    assert(encoded != NULL);
    char day[24];
    format(day, sizeof day, ":%llu", (unsigned long long)(platform_realtime_ns(k->platform) / NS_PER_DAY));
    const char *after_day = rest;
    if (rest_len > 0) { // rest starts at ":lastchange": keep what follows that field
        after_day = rest + 1;
        while (after_day < rest + rest_len && *after_day != ':') after_day++;
    } else {
        rest = shadow_rest_default;
        rest_len = sizeof shadow_rest_default - 1;
        after_day = rest + 2; // past ":0"
    }
    assert(after_day <= rest + rest_len); // the fields kept lie inside the old line
    return append_text(out, capacity, at, name) && append_text(out, capacity, at, ":") &&
           append_text(out, capacity, at, encoded) && append_text(out, capacity, at, day) &&
           append_bytes(out, capacity, at, after_day, (u64)(rest + rest_len - after_day)) &&
           append_text(out, capacity, at, "\n");
}

// The shadow text with name's line holding `encoded` (added at the end if missing).
static i64 shadow_replace(struct kernel *k, const char *old_text, const char *name, const char *encoded,
                          char *out, u32 capacity, u32 *length) {
    assert(old_text != NULL);
    assert(capacity > 0);
    u64 name_len = str_len_bounded(name, ACCOUNT_NAME_LEN_MAX);
    bool replaced = false;
    *length = 0;
    out[0] = '\0';
    for (const char *line = old_text; *line != '\0';) {
        const char *end = line;
        while (*end != '\0' && *end != '\n') end++;
        bool ours = !replaced && (u64)(end - line) > name_len && mem_equal(line, name, name_len) &&
                    line[name_len] == ':';
        bool fits = true;
        if (ours) {
            const char *rest = line + name_len + 1; // the hash field, then ":lastchange..."
            while (rest < end && *rest != ':') rest++;
            fits = shadow_line(k, out, capacity, length, name, encoded, rest, (u64)(end - rest));
            replaced = true;
        } else if (end > line) {
            fits = append_bytes(out, capacity, length, line, (u64)(end - line)) &&
                   append_text(out, capacity, length, "\n");
        }
        if (!fits) return -E_NOSPC;
        line = *end == '\n' ? end + 1 : end;
    }
    if (!replaced && !shadow_line(k, out, capacity, length, name, encoded, "", 0)) return -E_NOSPC;
    assert(*length < capacity);
    return 0;
}

static i64 shadow_install(struct kernel *k, const char *text, u32 length) {
    assert(text != NULL);
    assert(length < ACCOUNTS_FILE_BYTES_MAX); // shadow_replace kept it within its buffer
    i64 result = fs_write_file_as_root(k, SHADOW_NEW_PATH, SHADOW_MODE, (const u8 *)text, length);
    if (result < 0) return result;
    const struct cred root = cred_of_user(ABI_UID_ROOT);
    assert(root.euid == ABI_UID_ROOT); // only root replaces /etc/shadow
    struct path from, to;
    result = path_resolve("/", SHADOW_NEW_PATH, &from);
    if (result == 0) result = path_resolve("/", SHADOW_PATH, &to);
    if (result == 0) result = fs_rename(k, &root, &from, &to);
    return result;
}

i64 accounts_set_password(struct kernel *k, u32 uid, const char *password) {
    assert(k != NULL);
    assert(password != NULL);
    const struct account *account = accounts_find(k, uid);
    if (account == NULL) return -E_INVAL;
    i64 result = password_acceptable(password, str_len_bounded(password, PASSWORD_LEN_MAX + 1));
    if (result < 0) return result;
    result = fs_usable(k);
    if (result < 0) return result;
    char old_text[ACCOUNTS_FILE_BYTES_MAX], new_text[ACCOUNTS_FILE_BYTES_MAX];
    i64 old_length = accounts_read_file(k, SHADOW_PATH, old_text, sizeof old_text);
    if (old_length == -E_NOENT) old_text[0] = '\0';
    else if (old_length < 0) return old_length;
    else if ((u64)old_length + 1 >= sizeof old_text) return -E_NOSPC; // cut: lines would be lost
    u8 salt[PASSWORD_SALT_BYTES];
    random_bytes(k, salt, sizeof salt);
    char encoded[PASSWORD_ENCODED_LEN_MAX];
    u32 encoded_len = password_encode(password, salt, PASSWORD_ITERATIONS, encoded);
    assert(encoded_len < PASSWORD_ENCODED_LEN_MAX);

    u32 length = 0;
    result = shadow_replace(k, old_text, account->name, encoded, new_text, sizeof new_text, &length);
    if (result == 0) result = shadow_install(k, new_text, length);
    mem_set(old_text, 0, sizeof old_text);
    mem_set(new_text, 0, sizeof new_text);
    mem_set(encoded, 0, sizeof encoded);
    assert(result <= 0);
    return result;
}
