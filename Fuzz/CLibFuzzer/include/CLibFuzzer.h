// libFuzzer's driver, reached when the fuzz targets are linked with -sanitize=fuzzer and
// absent otherwise (a weak reference), so the same executable replays saved inputs when
// built as usual.
#ifndef KPX_CLIBFUZZER_H
#define KPX_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

typedef int (*kpx_fuzz_entry)(const uint8_t *data, size_t size);

/// Whether libFuzzer is linked in.
int kpx_fuzzer_linked(void);

/// Runs libFuzzer with the command line; returns its exit status.
int kpx_fuzzer_run(int argc, char **argv, kpx_fuzz_entry entry);

#endif
