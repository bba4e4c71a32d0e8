// SHA-256 block compression with the x86 SHA extensions, for chain names. IptablesBackend's
// NameDigest pads the message and keeps the state; this only runs whole 64-byte blocks.
#ifndef KPX_SHA256_H
#define KPX_SHA256_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the SHA extensions (and SSSE3 and SSE4.1, which the code also uses).
int kpx_sha256_accelerated(void);

/// Runs `blocks` 64-byte blocks of `data` into `state` (H0…H7). Only call it when
/// kpx_sha256_accelerated() returned 1.
void kpx_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
