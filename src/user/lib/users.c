#include "user/lib/users.h"

#include <stdio.h>
#include <string.h>

#include "user/lib/tool.h"

#define USERS_FILE_BYTES_MAX 2048
#define USERS_POLL_NS 10000000ull // console polling while waiting for a password

// Reads the whole file; NUL-terminated. Returns the length or -error.
static i64 users_read_file(const char *path, char *out, u64 capacity) {
    i64 fd = sys_open(path, ABI_O_RDONLY, 0);
    if (fd < 0) return fd;
    u64 length = 0;
    while (length + 1 < capacity) {
        i64 got = sys_read(fd, out + length, capacity - 1 - length);
        if (got <= 0) break;
        length += (u64)got;
    }
    sys_close(fd);
    out[length] = '\0';
    return (i64)length;
}

static bool parse_decimal(const char *text, u64 length, u32 *out) {
    u64 value = 0;
    if (length == 0) return false;
    for (u64 i = 0; i < length; i++) {
        if (text[i] < '0' || text[i] > '9') return false;
        value = value * 10 + (u64)(text[i] - '0');
        if (value >= 0xffffffffull) return false;
    }
    *out = (u32)value;
    return true;
}

// Finds the line whose field `match_field` equals key (the name, field 0, or the id,
// field 2); copies its name and returns its id, or -E_NOENT.
static i64 users_find(const char *path, u32 match_field, const char *key, char *name, u64 capacity) {
    char text[USERS_FILE_BYTES_MAX];
    if (users_read_file(path, text, sizeof text) < 0) return -E_NOENT;
    for (char *line = text; *line != '\0';) {
        char *end = strchr(line, '\n');
        if (end == NULL) end = line + strlen(line);
        const char *fields[4] = {line, NULL, NULL, NULL};
        u64 lengths[4] = {0, 0, 0, 0};
        u32 count = 1;
        for (char *c = line; c < end && count < 4; c++) {
            if (*c == ':') { lengths[count - 1] = (u64)(c - fields[count - 1]); fields[count++] = c + 1; }
        }
        if (count == 4) {
            const char *id_end = memchr(fields[2], ':', (u64)(end - fields[2]));
            lengths[2] = (u64)((id_end != NULL ? id_end : end) - fields[2]);
            u32 id = 0;
            const char *field = fields[match_field];
            bool matches = lengths[match_field] == strlen(key) && memcmp(field, key, strlen(key)) == 0;
            if (matches && parse_decimal(fields[2], lengths[2], &id)) {
                if (name != NULL) snprintf(name, capacity, "%.*s", (int)lengths[0], fields[0]);
                return id;
            }
        }
        line = *end == '\n' ? end + 1 : end;
    }
    return -E_NOENT;
}

static bool users_name_of(const char *path, u32 id, char *out, u64 capacity) {
    char key[12];
    snprintf(key, sizeof key, "%lu", (unsigned long)id);
    if (users_find(path, 2, key, out, capacity) >= 0) return true;
    snprintf(out, capacity, "%lu", (unsigned long)id);
    return false;
}

bool users_name_of_uid(u32 uid, char *out, u64 capacity) { return users_name_of("/etc/passwd", uid, out, capacity); }
bool users_name_of_gid(u32 gid, char *out, u64 capacity) { return users_name_of("/etc/group", gid, out, capacity); }

static i64 users_id_of(const char *path, const char *name) {
    u32 id = 0;
    if (parse_decimal(name, strlen(name), &id)) return id;
    return users_find(path, 0, name, NULL, 0);
}

i64 users_uid_of(const char *name) { return users_id_of("/etc/passwd", name); }
i64 users_gid_of(const char *name) { return users_id_of("/etc/group", name); }

i64 users_read_password(const char *prompt, char *out, u64 capacity) {
    sys_write(BASIN_FD_STDOUT, prompt, strlen(prompt));
    u64 length = 0;
    for (;;) {
        char c = 0;
        i64 got = sys_read(0, &c, 1);
        if (got == -E_AGAIN) { sys_sleep_until(monotonic_ns() + USERS_POLL_NS); continue; }
        if (got <= 0) return got == 0 ? -E_IO : got;
        if (c == '\n' || c == '\r') break;
        if (length + 1 < capacity) out[length++] = c;
    }
    out[length] = '\0';
    sys_write(BASIN_FD_STDOUT, "\n", 1);
    return (i64)length;
}

void users_complain_auth(const char *who, i64 error) {
    basin_assert(who != NULL);
    basin_assert(error < 0);
    const char *meaning = NULL;
    if (error == -E_ACCES) meaning = "wrong password";
    else if (error == -E_PERM) meaning = "not allowed";
    if (meaning == NULL) { tool_complain(who, error); return; }
    tool_print(BASIN_FD_STDERR, "%s: %s: %s: %s\n", basin_program_name, who, error_name(error), meaning);
}
