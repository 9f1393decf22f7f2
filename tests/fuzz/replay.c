/*
 * replay.c: main() for the plain (non-libFuzzer) build of a fuzz target.
 * Runs LLVMFuzzerTestOneInput once on every regular file named on the
 * command line or found in a directory named there (one level), prints
 * how many it ran, and exits 1 if one could not be read. A crashing input
 * crashes the program, which is the point: make check names it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
run_file(const char *path, size_t *ran)
{
	FILE *fp;
	uint8_t *data = NULL;
	long n;
	int rc = -1;

	fp = fopen(path, "rb");
	if (!fp)
		goto out;
	if (fseek(fp, 0, SEEK_END) || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET))
		goto out;
	data = malloc((size_t)n + 1);
	if (!data || fread(data, 1, (size_t)n, fp) != (size_t)n)
		goto out;
	/* Exact-size copy so ASan sees reads past the end of the input. */
	{
		uint8_t *exact = malloc(n ? (size_t)n : 1);

		if (!exact)
			goto out;
		memcpy(exact, data, (size_t)n);
		LLVMFuzzerTestOneInput(exact, (size_t)n);
		free(exact);
	}
	(*ran)++;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
	free(data);
	if (fp)
		fclose(fp);
	return rc;
}

int
main(int argc, char **argv)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	char path[4096];
	size_t ran = 0;
	int i, rc = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st)) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			rc = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			rc |= run_file(argv[i], &ran) ? 1 : 0;
			continue;
		}
		if (!(d = opendir(argv[i]))) {
			rc = 1;
			continue;
		}
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i],
			    de->d_name);
			if (stat(path, &st) || !S_ISREG(st.st_mode))
				continue;
			rc |= run_file(path, &ran) ? 1 : 0;
		}
		closedir(d);
	}
	printf("%s: %zu inputs replayed\n", argv[0], ran);
	return rc;
}
