// SHA-256 block compression with the x86 SHA extensions, for chain names, and the round
// constants. IptablesBackend's NameDigest pads the message and keeps the state; this only
// runs whole 64-byte blocks.
#ifndef KPX_SHA256_H
#define KPX_SHA256_H

#include <stddef.h>
#include <stdint.h>

/// SHA-256's round constants: the first 32 bits of the fractional parts of the cube roots of
/// the first 64 primes. The portable Swift rounds read them from here too.
extern const uint32_t kpx_sha256_round_constants[64];

/// 1 when this CPU has the SHA extensions (and SSSE3 and SSE4.1, which the code also uses).
int kpx_sha256_accelerated(void);

/// Runs `blocks` 64-byte blocks of `data` into `state` (H0…H7). Only call it when
/// kpx_sha256_accelerated() returned 1.
void kpx_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
