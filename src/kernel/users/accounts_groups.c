// Supplementary groups from /etc/group (name:password:gid:member,member), read at
// boot with the other account files: each account's group list is its primary
// group and then every group that names it, as Linux's initgroups builds it.
#include "kernel/users/accounts.h"

#include "kernel/kernel.h"
#include "kernel/lib/mem.h"
#include "kernel/users/internal.h"

#define GROUP_FIELDS_COUNT 4
#define GROUP_ID_MAX 0xfffffffeu

static bool group_id(const char *text, u32 *out) {
    u64 value = 0;
    if (*text == '\0') return false;
    for (; *text != '\0'; text++) {
        if (*text < '0' || *text > '9') return false;
        value = value * 10 + (u64)(*text - '0');
        if (value > GROUP_ID_MAX) return false;
    }
    *out = (u32)value;
    return true;
}

static void group_add(struct account *account, u32 gid) {
    assert(account->groups_count <= GROUPS_MAX);
    for (u32 i = 0; i < account->groups_count; i++) {
        if (account->groups[i] == gid) return;
    }
    if (account->groups_count < GROUPS_MAX) account->groups[account->groups_count++] = gid;
}

// Every account named in the comma-separated members gets gid.
static void group_members(char *members, u32 gid, struct accounts *accounts) {
    for (char *word = members; *word != '\0';) {
        char *end = word;
        while (*end != '\0' && *end != ',') end++;
        bool last = *end == '\0';
        *end = '\0';
        for (u32 i = 0; i < accounts->count; i++) {
            if (str_equal(accounts->entries[i].name, word)) group_add(&accounts->entries[i], gid);
        }
        word = last ? end : end + 1;
    }
}

void accounts_parse_group(char *text, struct accounts *accounts) {
    assert(text != NULL);
    assert(accounts != NULL);
    char *line = text;
    while (*line != '\0') {
        char *end = line;
        while (*end != '\0' && *end != '\n') end++;
        char *next = *end == '\n' ? end + 1 : end;
        *end = '\0';
        char *fields[GROUP_FIELDS_COUNT];
        u32 count = 0;
        fields[count++] = line;
        for (char *c = line; *c != '\0' && count < GROUP_FIELDS_COUNT; c++) {
            if (*c == ':') { *c = '\0'; fields[count++] = c + 1; }
        }
        u32 gid = 0;
        if (count == GROUP_FIELDS_COUNT && group_id(fields[2], &gid)) group_members(fields[3], gid, accounts);
        line = next;
    }
}
