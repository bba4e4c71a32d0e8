#include "CLibFuzzer.h"

// Defined by libFuzzer (compiler-rt) when linked; null otherwise.
extern int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*entry)(const uint8_t *, size_t)) __attribute__((weak));

int kpx_fuzzer_linked(void) {
    return LLVMFuzzerRunDriver != 0;
}

int kpx_fuzzer_run(int argc, char **argv, kpx_fuzz_entry entry) {
    if (!LLVMFuzzerRunDriver) return -1;
    return LLVMFuzzerRunDriver(&argc, &argv, entry);
}
