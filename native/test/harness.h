/* Shared by the signer's C checks in native/test/: key generation and a verification helper. */
#ifndef ES384_HARNESS_H
#define ES384_HARNESS_H

#include <nettle/bignum.h>
#include <nettle/ecdsa.h>
#include <stdio.h>
#include <stdlib.h>

#include "../es384_sign.h"

typedef struct {
  uint8_t d[ES384_COORDINATE_BYTES], x[ES384_COORDINATE_BYTES], y[ES384_COORDINATE_BYTES];
} KeyBytes;

static void random_bytes(void *context, size_t length, uint8_t *destination) {
  (void)context;
  if (es384_getentropy(destination, length) != 0) {
    fputs("harness: getentropy failed\n", stderr);
    exit(2);
  }
}

/* A fresh P-384 key pair as the 48-byte big-endian d, x, y the addon's importKey takes. */
static KeyBytes generate_key(void) {
  const struct ecc_curve *curve = es384_curve();
  struct ecc_point public_point;
  struct ecc_scalar private_scalar;
  mpz_t d, x, y;
  KeyBytes key;
  ecc_point_init(&public_point, curve);
  ecc_scalar_init(&private_scalar, curve);
  mpz_inits(d, x, y, NULL);
  ecdsa_generate_keypair(&public_point, &private_scalar, NULL, random_bytes);
  ecc_scalar_get(&private_scalar, d);
  ecc_point_get(&public_point, x, y);
  nettle_mpz_get_str_256(sizeof key.d, key.d, d);
  nettle_mpz_get_str_256(sizeof key.x, key.x, x);
  nettle_mpz_get_str_256(sizeof key.y, key.y, y);
  mpz_clears(d, x, y, NULL);
  ecc_scalar_clear(&private_scalar);
  ecc_point_clear(&public_point);
  return key;
}

/* Nettle's own ecdsa_verify of R‖S over `digest` under (x, y). */
static int verifies(const KeyBytes *key, const uint8_t digest[ES384_DIGEST_BYTES],
                    const uint8_t signature[ES384_SIGNATURE_BYTES]) {
  struct ecc_point public_point;
  struct dsa_signature parsed;
  mpz_t x, y;
  mpz_inits(x, y, NULL);
  nettle_mpz_set_str_256_u(x, sizeof key->x, key->x);
  nettle_mpz_set_str_256_u(y, sizeof key->y, key->y);
  ecc_point_init(&public_point, es384_curve());
  int ok = ecc_point_set(&public_point, x, y);
  dsa_signature_init(&parsed);
  nettle_mpz_set_str_256_u(parsed.r, ES384_COORDINATE_BYTES, signature);
  nettle_mpz_set_str_256_u(parsed.s, ES384_COORDINATE_BYTES, signature + ES384_COORDINATE_BYTES);
  ok = ok && ecdsa_verify(&public_point, ES384_DIGEST_BYTES, digest, &parsed);
  dsa_signature_clear(&parsed);
  ecc_point_clear(&public_point);
  mpz_clears(x, y, NULL);
  return ok;
}

#endif
