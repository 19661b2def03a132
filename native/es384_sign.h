/*
 * The secret-handling core of the Nettle signer: P-384 key import and ECDSA signing over Nettle's
 * low-level interface, with every buffer that holds a secret owned (and wiped) here. No Node-API:
 * nettle_es384.c wraps it for JavaScript, and native/test/ runs it under valgrind and alone.
 */
#ifndef ES384_SIGN_H
#define ES384_SIGN_H

#include <gmp.h>
#include <nettle/ecc.h>
#include <stddef.h>
#include <stdint.h>

#define ES384_COORDINATE_BYTES 48
#define ES384_SIGNATURE_BYTES (2 * ES384_COORDINATE_BYTES)
#define ES384_DIGEST_BYTES 48

typedef enum {
  ES384_OK = 0,
  ES384_OUT_OF_RANGE,       /* import: d is 0 or ≥ n */
  ES384_NOT_PUBLIC_POINT,   /* import: (x, y) is not d·G */
  ES384_ENTROPY_FAILED,     /* sign: the random source failed; nothing was signed */
} es384_status;

/* Fills `length` bytes (at most 256) with secret random bytes; returns 0 on success. */
typedef int es384_entropy_func(uint8_t *destination, size_t length);

/* The kernel CSPRNG, getentropy() (glibc ≥ 2.25, macOS ≥ 10.12). */
int es384_getentropy(uint8_t *destination, size_t length);

/* Nettle's secp384r1; NULL (and no signing) if this build's assumptions about it do not hold. */
const struct ecc_curve *es384_curve(void);

/*
 * Sets `scalar` (initialised for es384_curve()) to the big-endian private scalar d, after checking
 * 0 < d < n and d·G = (x, y). The range check runs in constant time; only its outcome (a refused
 * key) is branched on. On failure the scalar's limbs are zero.
 */
es384_status es384_import(struct ecc_scalar *scalar, const uint8_t d[ES384_COORDINATE_BYTES],
                          const uint8_t x[ES384_COORDINATE_BYTES], const uint8_t y[ES384_COORDINATE_BYTES]);

/* Limbs of work space es384_sign needs: the nonce, its random bytes, Nettle's scratch. */
size_t es384_work_limbs(void);

/*
 * ECDSA over a SHA-384 digest: draws the nonce from `entropy` into `work` (es384_work_limbs()
 * limbs, owned by the caller), signs with Nettle's ecc_ecdsa_sign, writes R‖S (48 bytes each,
 * big-endian) and overwrites all of `work` before returning, on every path. If drawing the nonce
 * fails, nothing is signed and `signature` is untouched.
 */
es384_status es384_sign(const struct ecc_scalar *key, const uint8_t digest[ES384_DIGEST_BYTES],
                        es384_entropy_func *entropy, mp_limb_t *work,
                        uint8_t signature[ES384_SIGNATURE_BYTES]);

/* Overwrites memory in a way the compiler may not drop as a dead store. */
void es384_wipe(void *memory, size_t length);

#endif
