// The fuzzer's judge: every fuzzed call's result against the model's prediction.
// Failures for reasons outside the model (the disk, full tables) are tolerated and
// counted; a permission decision that differs from the model's never is.
#include <stdio.h>

#include "user/tests/lib/fuzz.h"

#define PCG_MULTIPLIER 6364136223846793005ull

void fuzz_seed(struct fuzzer *f, u64 seed) {
    f->rng_state = 0;
    f->rng_increment = (seed << 1) | 1u;
    (void)fuzz_random(f);
    f->rng_state += seed;
    (void)fuzz_random(f);
}

u32 fuzz_random(struct fuzzer *f) {
    u64 old = f->rng_state;
    f->rng_state = old * PCG_MULTIPLIER + f->rng_increment;
    u32 xorshifted = (u32)(((old >> 18u) ^ old) >> 27u);
    u32 rot = (u32)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

u32 fuzz_below(struct fuzzer *f, u32 bound) {
    basin_assert(bound > 0);
    return (u32)(((u64)fuzz_random(f) * bound) >> 32);
}

// Errors the environment decides, not the permission rules.
static bool environmental(i64 result) {
    return result == -E_IO || result == -E_NOSPC || result == -E_NFILE || result == -E_MFILE ||
           result == -E_BADMSG || result == -E_ROFS || result == -E_NODEV || result == -E_NOMEM ||
           result == -E_AGAIN || result == -E_DQUOT;
}

static bool denial(i64 result) { return result == -E_ACCES || result == -E_PERM; }

static void mismatch(struct fuzzer *f, const char *kind, const char *what,
                     const struct fuzz_prediction *prediction, i64 result) {
    u64 shown = f->counts.escalations + f->counts.wrong_denials + f->counts.wrong_errors;
    if (shown > FUZZ_MISMATCHES_SHOWN) return;
    say("%s: %s = %ld %s; the model said %s %s (%s)", kind, what, (long)result, error_name(result),
        prediction->verdict == FUZZ_ALLOW ? "allowed" : "refused", error_name(prediction->error),
        prediction->why);
}

void fuzz_judge(struct fuzzer *f, const char *what, const struct fuzz_prediction *prediction, i64 result) {
    basin_assert(f != NULL);
    basin_assert(prediction != NULL);
    f->counts.syscalls++;
    struct fuzz_counts *c = &f->counts;
    switch (prediction->verdict) {
    case FUZZ_UNKNOWN: c->unpredicted++; return;
    case FUZZ_ALLOW:
        if (result >= 0) c->allowed++;
        else if (denial(result)) { c->wrong_denials++; mismatch(f, "WRONG DENIAL", what, prediction, result); }
        else c->tolerated++;
        return;
    case FUZZ_DENY:
    case FUZZ_OTHER:
        if (result == prediction->error) { if (prediction->verdict == FUZZ_DENY) c->denials++; else c->others++; }
        else if (result >= 0) { c->escalations++; mismatch(f, "ESCALATION", what, prediction, result); }
        else if (environmental(result)) c->tolerated++;
        else { c->wrong_errors++; mismatch(f, "WRONG ERROR", what, prediction, result); }
        return;
    }
}

void fuzz_expect(struct fuzzer *f, const char *what, i64 expected, i64 result) {
    if (expected < 0) {
        struct fuzz_prediction prediction = {denial(expected) ? FUZZ_DENY : FUZZ_OTHER, expected, "hostile argument"};
        fuzz_judge(f, what, &prediction, result);
        return;
    }
    // A success with one right value: the judge's ALLOW, and then the value itself.
    struct fuzz_prediction prediction = {FUZZ_ALLOW, 0, "allowed"};
    if (result < 0 || result == expected) { fuzz_judge(f, what, &prediction, result); return; }
    f->counts.syscalls++;
    f->counts.wrong_errors++;
    if (f->counts.escalations + f->counts.wrong_denials + f->counts.wrong_errors <= FUZZ_MISMATCHES_SHOWN) {
        say("WRONG VALUE: %s = %ld; expected %ld", what, (long)result, (long)expected);
    }
}

u64 fuzz_report(const struct fuzzer *f, u64 seed) {
    const struct fuzz_counts *c = &f->counts;
    u64 mismatches = c->escalations + c->wrong_denials + c->wrong_errors;
    say("uid %u seed %lu: %lu fuzzed; checked %lu denials, %lu allowed, %lu errors; %lu unpredicted, "
        "%lu tolerated; escalations %lu, wrong denials %lu, wrong errors %lu",
        f->ids.ruid, (unsigned long)seed, (unsigned long)c->syscalls, (unsigned long)c->denials,
        (unsigned long)c->allowed, (unsigned long)c->others, (unsigned long)c->unpredicted,
        (unsigned long)c->tolerated, (unsigned long)c->escalations, (unsigned long)c->wrong_denials,
        (unsigned long)c->wrong_errors);
    return mismatches;
}
