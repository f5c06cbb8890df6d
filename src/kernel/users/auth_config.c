// /etc/sudo.conf: how long sudo remembers a password. Written at the first boot,
// read at each boot; a file that says anything else than one well-formed
// "timestamp_timeout_s = N" keeps the default, with a warning, rather than guess.
#include "kernel/users/auth.h"

#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/users/internal.h"

const char auth_sudo_conf_text[] =
    "# How long sudo remembers your password, in seconds, per login session.\n"
    "# 0: always ask. Read at boot.\n"
    SUDO_CONF_KEY " = 300\n";

STATIC_ASSERT(sizeof auth_sudo_conf_text <= SUDO_CONF_BYTES_MAX);

u64 auth_sudo_conf_length(void) { return sizeof auth_sudo_conf_text - 1; }

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static const char *skip_blanks(const char *c, const char *end) {
    assert(c <= end);
    while (c < end && is_blank(*c)) c++;
    assert(c <= end); // never past the line
    return c;
}

// One line without its '\n': blank, a comment, or the key. 1 when it set the value,
// 0 when it says nothing, -E_INVAL otherwise.
static i64 parse_line(const char *line, const char *end, u64 *value) {
    assert(line <= end);
    assert(value != NULL);
    const char *hash = line;
    while (hash < end && *hash != '#') hash++;
    end = hash;
    while (end > line && is_blank(end[-1])) end--;
    const char *c = skip_blanks(line, end);
    if (c == end) return 0;
    u64 key_len = sizeof SUDO_CONF_KEY - 1;
    if ((u64)(end - c) < key_len || !mem_equal(c, SUDO_CONF_KEY, key_len)) return -E_INVAL;
    c = skip_blanks(c + key_len, end);
    if (c == end || *c != '=') return -E_INVAL;
    c = skip_blanks(c + 1, end);
    if (c == end) return -E_INVAL;
    u64 parsed = 0;
    for (; c < end; c++) {
        if (*c < '0' || *c > '9') return -E_INVAL;
        parsed = parsed * 10 + (u64)(*c - '0');
        if (parsed > SUDO_TIMEOUT_MAX_S) return -E_INVAL;
    }
    assert(parsed <= SUDO_TIMEOUT_MAX_S); // so timeout_s * NS_PER_S cannot overflow
    *value = parsed;
    return 1;
}

i64 auth_parse_sudo_conf(const char *text, u64 *timeout_s) {
    assert(text != NULL);
    assert(timeout_s != NULL);
    u64 value = 0;
    u32 settings = 0;
    for (const char *line = text; *line != '\0';) {
        const char *end = line;
        while (*end != '\0' && *end != '\n') end++;
        i64 result = parse_line(line, end, &value);
        if (result < 0) return result;
        settings += (u32)result;
        line = *end == '\n' ? end + 1 : end;
    }
    if (settings != 1) return -E_INVAL; // missing, or said twice (which one was meant?)
    assert(value <= SUDO_TIMEOUT_MAX_S);
    *timeout_s = value;
    return 0;
}

void auth_load_config(struct kernel *k) {
    assert(k != NULL);
    k->auth.sudo_timeout_ns = SUDO_TIMEOUT_DEFAULT_S * NS_PER_S;
    if (fs_usable(k) != 0) return;
    char text[SUDO_CONF_BYTES_MAX];
    i64 length = accounts_read_file(k, SUDO_CONF_PATH, text, sizeof text);
    if (length >= 0) assert((u64)length < sizeof text); // room for its NUL

    if (length == -E_NOENT) {
        klog(k, LOG_INFO, "auth: no %s; sudo remembers a password for %llu s", SUDO_CONF_PATH,
             (unsigned long long)SUDO_TIMEOUT_DEFAULT_S);
        return;
    }
    u64 timeout_s = SUDO_TIMEOUT_DEFAULT_S;
    i64 parsed = length < 0 ? length : auth_parse_sudo_conf(text, &timeout_s);
    if (parsed == 0 && (u64)length + 1 >= sizeof text) parsed = -E_FBIG; // cut: not all read
    if (parsed < 0) {
        klog(k, LOG_WARN, "auth: %s unusable (error %lld); sudo timeout %llu s (default)", SUDO_CONF_PATH,
             (long long)-parsed, (unsigned long long)SUDO_TIMEOUT_DEFAULT_S);
        return;
    }
    k->auth.sudo_timeout_ns = timeout_s * NS_PER_S;
    assert(k->auth.sudo_timeout_ns / NS_PER_S == timeout_s);
}
