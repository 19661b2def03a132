/*
 * Side-channel check in the style of Nettle's testsuite/sc-ecdsa-sign-test.c, for this addon's own
 * key import and signing (es384_sign.c, compiled with -DES384_SIDE_CHANNEL_TEST): run under
 * valgrind's memcheck with the private scalar and every nonce byte marked undefined, so that any
 * branch or memory index that depends on them is reported ("Conditional jump or move depends on
 * uninitialised value(s)", "Use of uninitialised value"). The only values made public again are
 * the DECLASSIFY() points es384_sign.c documents. Run with `--control` to import the key the old
 * way (GMP's mpz import and ecc_scalar_set, which branch on d): valgrind must then report errors,
 * which shows the check can see a secret-dependent branch at all.
 *
 * Debian builds Nettle with assert() enabled, and some of its asserts test secret-derived values
 * (a carry that must be zero, a table index that must be in range). Such a branch always goes the
 * same way (a failing assert ends the process), so it reveals nothing, but memcheck reports it;
 * scripts/signer-assurance/side-channel.mjs accepts a report only where the jump leads straight to
 * __assert_fail, which is why this program prints where libhogweed is loaded.
 *
 *   valgrind --xml=yes --xml-file=report.xml ./side-channel [--control]
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <nettle/bignum.h>
#include <nettle/sha2.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "harness.h"

#define SIGNATURES 16

static int secret_entropy(uint8_t *destination, size_t length) {
  if (es384_getentropy(destination, length) != 0) return -1;
  VALGRIND_MAKE_MEM_UNDEFINED(destination, length); /* the nonce's bytes are secret */
  return 0;
}

int main(int argc, char **argv) {
  int control = argc > 1 && strcmp(argv[1], "--control") == 0;
  if (es384_curve() == NULL) return 2;
  Dl_info hogweed;
  if (dladdr((void *)nettle_ecc_ecdsa_sign, &hogweed) == 0) return 2;
  printf("libhogweed %s at %p\n", hogweed.dli_fname, hogweed.dli_fbase);
  KeyBytes key = generate_key();
  struct ecc_scalar scalar;
  ecc_scalar_init(&scalar, es384_curve());

  VALGRIND_MAKE_MEM_UNDEFINED(key.d, sizeof key.d);
  if (control) {
    mpz_t d;
    mpz_init(d);
    nettle_mpz_set_str_256_u(d, sizeof key.d, key.d);
    int in_range = ecc_scalar_set(&scalar, d);
    VALGRIND_MAKE_MEM_DEFINED(&in_range, sizeof in_range);
    mpz_clear(d);
    if (!in_range) return 2;
  } else if (es384_import(&scalar, key.d, key.x, key.y) != ES384_OK) {
    fputs("side-channel: the key was refused\n", stderr);
    return 2;
  }
  VALGRIND_MAKE_MEM_UNDEFINED(scalar.p, (size_t)ecc_size(es384_curve()) * sizeof(mp_limb_t));

  mp_limb_t *work = calloc(es384_work_limbs(), sizeof(mp_limb_t));
  int failures = 0;
  for (int index = 0; index < SIGNATURES; index++) {
    uint8_t digest[ES384_DIGEST_BYTES], signature[ES384_SIGNATURE_BYTES];
    struct sha384_ctx hash;
    sha384_init(&hash);
    sha384_update(&hash, sizeof index, (const uint8_t *)&index);
    sha384_digest(&hash, sizeof digest, digest);
    if (es384_sign(&scalar, digest, secret_entropy, work, signature) != ES384_OK) return 2;
    VALGRIND_MAKE_MEM_DEFINED(key.d, sizeof key.d); /* only the test's own verification below */
    if (!verifies(&key, digest, signature)) failures++;
  }
  ecc_scalar_clear(&scalar);
  free(work);
  printf("side-channel: %d signatures (%s), %d failed to verify\n", SIGNATURES,
         control ? "control: key imported through GMP" : "es384_import and es384_sign", failures);
  return failures == 0 ? 0 : 1;
}
