/*
 * fuzz.h: what every herald fuzz target shares (STYLE.md §11).
 *
 * Each tests/fuzz/fuzz_<target>.c defines LLVMFuzzerTestOneInput(). Built
 * with clang -fsanitize=fuzzer it is a libFuzzer target (make fuzz); built
 * with replay.c and gcc it is a plain program that runs every file of the
 * directories it is given (make fuzz-replay, part of make check), so every
 * crash once found stays fixed. Targets tolerate any input, never exit,
 * keep no state between calls and check their invariants with FUZZ_CHECK,
 * which traps so that the fuzzer (or the replay run) reports the input.
 */
#ifndef HERALD_TESTS_FUZZ_H
#define HERALD_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* A NUL-terminated copy of data[0..size); NUL bytes inside are kept. */
static inline char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Reads a little-endian integer of n bytes (0 past the end) and advances. */
static inline size_t
fuzz_take(const uint8_t **data, size_t *size, size_t n)
{
	size_t v = 0, i;

	for (i = 0; i < n && *size; i++) {
		v |= (size_t)**data << (8 * i);
		(*data)++;
		(*size)--;
	}
	return v;
}

#endif
