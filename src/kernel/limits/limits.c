// /etc/limits.conf's keys and parser, and the share-and-reserve rule every resource
// check uses. Below the filesystem: the file itself is read and written by
// kernel/boot (limits_load.c, provision.c).
#include "kernel/limits/limits.h"

#include "kernel/lib/format.h"
#include "kernel/kernel.h"
#include "kernel/lib/mem.h"

struct limit_key {
    char name[32];
    u32 value;   // default
    u32 minimum;
    u32 maximum;
    u32 offset;  // of the field in struct limits
};

#define LIMITS_KEY(field, value_, minimum_, maximum_, what)                                  \
    {#field, value_, minimum_, maximum_, (u32)__builtin_offsetof(struct limits, field)},
static const struct limit_key limit_keys[] = {LIMITS_LIST(LIMITS_KEY)};
#undef LIMITS_KEY

// Text as a 2-D char array (no pointers), so the table is pure read-only data.
#define LIMITS_WHAT_LEN_MAX 96
#define LIMITS_WHAT(field, value_, minimum_, maximum_, what) what,
static const char limit_whats[][LIMITS_WHAT_LEN_MAX] = {LIMITS_LIST(LIMITS_WHAT)};
#undef LIMITS_WHAT

STATIC_ASSERT(ARRAY_COUNT(limit_keys) == ARRAY_COUNT(limit_whats));
STATIC_ASSERT(sizeof(struct limits) == ARRAY_COUNT(limit_keys) * sizeof(u32));

static u32 *limit_field(struct limits *limits, const struct limit_key *key) {
    assert(key->offset + sizeof(u32) <= sizeof *limits);
    assert(key->offset % sizeof(u32) == 0);
    return (u32 *)((u8 *)limits + key->offset);
}

void limits_defaults(struct limits *limits) {
    assert(limits != NULL);
    for (u32 i = 0; i < ARRAY_COUNT(limit_keys); i++) {
        assert(limit_keys[i].minimum <= limit_keys[i].value);
        assert(limit_keys[i].value <= limit_keys[i].maximum);
        *limit_field(limits, &limit_keys[i]) = limit_keys[i].value;
    }
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// One line (without its '\n'): 0 blank or comment, 1 applied, -E_INVAL ignored.
static i64 limits_parse_line(const char *line, const char *end, struct limits *limits) {
    const char *hash = line;
    while (hash < end && *hash != '#') hash++;
    end = hash;
    while (end > line && is_blank(end[-1])) end--;
    while (line < end && is_blank(*line)) line++;
    if (line == end) return 0;
    const char *name_end = line;
    while (name_end < end && !is_blank(*name_end) && *name_end != '=') name_end++;
    const char *c = name_end;
    while (c < end && is_blank(*c)) c++;
    if (c == end || *c != '=') return -E_INVAL;
    c++;
    while (c < end && is_blank(*c)) c++;
    if (c == end) return -E_INVAL;
    u64 value = 0;
    for (; c < end; c++) {
        if (*c < '0' || *c > '9') return -E_INVAL;
        value = value * 10 + (u64)(*c - '0');
        if (value > UINT32_MAX) return -E_INVAL;
    }
    u64 name_len = (u64)(name_end - line);
    for (u32 i = 0; i < ARRAY_COUNT(limit_keys); i++) {
        const struct limit_key *key = &limit_keys[i];
        if (str_len_bounded(key->name, sizeof key->name) != name_len || !mem_equal(key->name, line, name_len)) continue;
        if (value < key->minimum || value > key->maximum) return -E_INVAL;
        *limit_field(limits, key) = (u32)value;
        return 1;
    }
    return -E_INVAL; // an unknown key: a typo must not pass silently
}

void limits_parse(const char *text, struct limits *limits, struct limits_parse_report *report) {
    assert(text != NULL);
    assert(limits != NULL);
    assert(report != NULL);
    mem_set(report, 0, sizeof *report);
    u32 number = 0;
    for (const char *line = text; *line != '\0';) {
        const char *end = line;
        while (*end != '\0' && *end != '\n') end++;
        number++;
        i64 result = limits_parse_line(line, end, limits);
        if (result > 0) report->applied++;
        if (result < 0 && report->ignored++ == 0) report->first_ignored_line = number;
        line = *end == '\n' ? end + 1 : end;
    }
}

u64 limits_default_text(char text[LIMITS_CONF_BYTES_MAX]) {
    assert(text != NULL);
    u64 at = (u64)format(text, LIMITS_CONF_BYTES_MAX, "%s",
                         "# Per-user shares and root's reserves (read at boot; see README).\n"
                         "# Root is never held to a share and may use the reserves.\n");
    for (u32 i = 0; i < ARRAY_COUNT(limit_keys); i++) {
        const struct limit_key *key = &limit_keys[i];
        at += (u64)format(text + at, LIMITS_CONF_BYTES_MAX - at, "%s = %u # %s (%u..%u)\n", key->name, key->value,
                          limit_whats[i], key->minimum, key->maximum);
        assert(at < LIMITS_CONF_BYTES_MAX - 1); // the defaults always fit
    }
    return at;
}

bool limits_allow(u32 uid, const struct limits_use *use, u64 amount, u64 total, u64 per_user,
                  u64 root_reserve) {
    assert(use != NULL);
    assert(use->user <= use->all);
    if (use->all > total || amount > total - use->all) return false;
    if (uid == ABI_UID_ROOT) return true;
    u64 users_total = root_reserve < total ? total - root_reserve : 0;
    if (use->user + amount > per_user) return false;
    return use->all + amount <= users_total;
}

bool limits_allow_process(const struct kernel *k, u32 uid) {
    assert(k != NULL);
    struct limits_use use = {0};
    for (u32 slot = 0; slot < PROCS_MAX; slot++) {
        const struct proc *proc_ = &k->procs[slot];
        if (proc_->state == PROC_FREE) continue;
        use.all++;
        if (proc_->cred.ruid == uid) use.user++;
    }
    assert(use.all <= PROCS_MAX);
    return limits_allow(uid, &use, 1, PROCS_MAX, k->limits.processes_per_user,
                        k->limits.processes_root_reserve);
}

// Frames are charged to the real uid of the process that owns them (page tables
// included), as Linux charges memory to the process's user.
bool limits_allow_frames(const struct kernel *k, u32 slot, u32 frames) {
    assert(k != NULL);
    assert(slot < PROCS_MAX);
    u32 uid = k->procs[slot].cred.ruid;
    struct limits_use use = {0};
    for (u32 s = 0; s < PROCS_MAX; s++) {
        const struct proc *proc_ = &k->procs[s];
        if (proc_->state == PROC_FREE) continue;
        use.all += proc_->frames_owned;
        if (proc_->cred.ruid == uid) use.user += proc_->frames_owned;
    }
    u64 total = k->frames.count - k->frames.kernel_frames;
    u64 per_user = total * k->limits.memory_per_user_percent / PERCENT_MAX;
    u64 reserve = total * k->limits.memory_root_reserve_percent / PERCENT_MAX;
    assert(use.all <= total);
    return limits_allow(uid, &use, frames, total, per_user, reserve);
}
