// The accounts' files of the first boot: /etc/passwd, /etc/group, /etc/capabilities,
// /etc/sudo.conf and /etc/shadow (the initial passwords come from the build).
#include "kernel/boot/boot.h"

#include "kernel/fs/fs.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/random/random.h"
#include "kernel/users/accounts.h"
#include "kernel/users/auth.h"
#include "kernel/users/password.h"
#include "kernel/boot/internal.h"

#define ACCOUNTS_PUBLIC_MODE 0644
#define ACCOUNTS_SECRET_MODE 0600

static const char passwd_text[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "xy:x:1000:1000:xy:/home/xy:/bin/sh\n";
static const char group_text[] =
    "root:x:0:\n"
    "users:x:100:xy\n"
    "xy:x:1000:\n";
// Root holds every capability by being root; the line says so for readers.
static const char capabilities_text[] =
    "root:sudo,shutdown,mount\n"
    "xy:sudo\n";

struct account_password {
    char name[8];
    char password[PASSWORD_LEN_MAX];
};

static const struct account_password initial_passwords[] = {
    {"root", BASIN_PASSWORD_ROOT},
    {"xy", BASIN_PASSWORD_XY},
};

// Appends text at *at; false if it does not fit.
static bool text_append(char *out, u32 capacity, u32 *at, const char *text) {
    u64 length = str_len_bounded(text, capacity);
    if (*at + length >= capacity) return false;
    mem_copy(out + *at, text, length);
    *at += (u32)length;
    out[*at] = '\0';
    return true;
}

// name:hash:lastchange:min:max:warn:inactive:expire:reserved, one line per account,
// each with a fresh salt from the kernel's CSPRNG.
static i64 accounts_shadow_text(struct kernel *k, char *out, u32 capacity, u32 *length) {
    *length = 0;
    out[0] = '\0';
    for (u32 i = 0; i < ARRAY_COUNT(initial_passwords); i++) {
        u8 salt[PASSWORD_SALT_BYTES];
        random_bytes(k, salt, sizeof salt);
        char encoded[PASSWORD_ENCODED_LEN_MAX];
        password_encode(initial_passwords[i].password, salt, PASSWORD_ITERATIONS, encoded);
        bool fits = text_append(out, capacity, length, initial_passwords[i].name) &&
                    text_append(out, capacity, length, ":") &&
                    text_append(out, capacity, length, encoded) &&
                    text_append(out, capacity, length, "::0:99999:7:::\n");
        if (!fits) return -E_NOSPC;
    }
    return 0;
}

i64 provision_accounts(struct kernel *k) {
    i64 result = fs_write_file_as_root(k, "/etc/passwd", ACCOUNTS_PUBLIC_MODE, (const u8 *)passwd_text,
                                       sizeof passwd_text - 1);
    if (result == 0) {
        result = fs_write_file_as_root(k, "/etc/group", ACCOUNTS_PUBLIC_MODE, (const u8 *)group_text,
                                       sizeof group_text - 1);
    }
    if (result == 0) {
        result = fs_write_file_as_root(k, "/etc/capabilities", ACCOUNTS_PUBLIC_MODE,
                                       (const u8 *)capabilities_text, sizeof capabilities_text - 1);
    }
    if (result == 0) {
        result = fs_write_file_as_root(k, SUDO_CONF_PATH, ACCOUNTS_PUBLIC_MODE, (const u8 *)auth_sudo_conf_text,
                                       auth_sudo_conf_length());
    }
    if (result < 0) return result;
    char shadow[ACCOUNTS_FILE_BYTES_MAX];
    u32 length = 0;
    result = accounts_shadow_text(k, shadow, sizeof shadow, &length);
    if (result == 0) {
        result = fs_write_file_as_root(k, "/etc/shadow", ACCOUNTS_SECRET_MODE, (const u8 *)shadow, length);
    }
    mem_set(shadow, 0, sizeof shadow);
    return result;
}
