/*
 * What a signature leaves behind (es384_sign.c): after es384_sign returns, the nonce k must not be
 * anywhere in the stack below the caller (where Nettle's ecdsa_sign used to leave it and its
 * scratch) nor in the work space, and when the random source fails, Nettle must not have been
 * asked to sign at all. Linked with -Wl,--wrap=nettle_ecc_ecdsa_sign to count Nettle's signing
 * calls. `--control` signs with Nettle's ecdsa_sign instead and must find k on the stack, which
 * shows the scan can see a nonce at all. Exit status 0 when every check holds.
 *
 *   ./residue [--control]
 */
#include <nettle/ecdsa.h>
#include <string.h>

#include "harness.h"

#define SCAN_BYTES (64 * 1024)
#define LIMB_BYTES sizeof(mp_limb_t)
#define K_LIMBS (ES384_COORDINATE_BYTES / LIMB_BYTES)

static int ecdsa_sign_calls;
void __real_nettle_ecc_ecdsa_sign(const struct ecc_curve *, const mp_limb_t *, const mp_limb_t *, size_t,
                                  const uint8_t *, mp_limb_t *, mp_limb_t *, mp_limb_t *);
void __wrap_nettle_ecc_ecdsa_sign(const struct ecc_curve *ecc, const mp_limb_t *zp, const mp_limb_t *kp,
                                  size_t length, const uint8_t *digest, mp_limb_t *rp, mp_limb_t *sp,
                                  mp_limb_t *scratch) {
  ecdsa_sign_calls++;
  __real_nettle_ecc_ecdsa_sign(ecc, zp, kp, length, digest, rp, sp, scratch);
}

/* The last nonce drawn, as the limbs Nettle computes with (kept here, off the stack). */
static mp_limb_t drawn_limbs[K_LIMBS];

static int recording_entropy(uint8_t *destination, size_t length) {
  if (es384_getentropy(destination, length) != 0) return -1;
  for (size_t index = 0; index < K_LIMBS; index++) drawn_limbs[index] = 0;
  for (size_t index = 0; index < length; index++) {
    drawn_limbs[index / LIMB_BYTES] |= (mp_limb_t)destination[length - 1 - index] << (8 * (index % LIMB_BYTES));
  }
  return 0;
}

static void recording_random(void *context, size_t length, uint8_t *destination) {
  (void)context;
  recording_entropy(destination, length);
}

static int failing_entropy(uint8_t *destination, size_t length) {
  (void)destination;
  (void)length;
  return -1;
}

/* How many of the nonce's limbs appear in the SCAN_BYTES of stack below the caller's frame. */
static __attribute__((noinline)) int nonce_limbs_on_stack(void) {
  uint8_t window[SCAN_BYTES];
  __asm__ volatile("" : "+m"(window)); /* read what earlier calls left there, uninitialised */
  int found = 0;
  for (size_t at = 0; at + LIMB_BYTES <= sizeof window; at++) {
    for (size_t limb = 0; limb < K_LIMBS; limb++) {
      if (memcmp(window + at, &drawn_limbs[limb], LIMB_BYTES) == 0) found++;
    }
  }
  return found;
}

static __attribute__((noinline)) es384_status sign_with_work(const struct ecc_scalar *scalar, const uint8_t *digest,
                                                            es384_entropy_func *entropy, mp_limb_t *work,
                                                            uint8_t *signature) {
  return es384_sign(scalar, digest, entropy, work, signature);
}

static __attribute__((noinline)) void sign_with_nettle_ecdsa_sign(const struct ecc_scalar *scalar,
                                                                 const uint8_t *digest,
                                                                 struct dsa_signature *signature) {
  ecdsa_sign(scalar, NULL, recording_random, ES384_DIGEST_BYTES, digest, signature);
}

int main(int argc, char **argv) {
  int control = argc > 1 && strcmp(argv[1], "--control") == 0;
  if (es384_curve() == NULL) return 2;
  KeyBytes key = generate_key();
  struct ecc_scalar scalar;
  ecc_scalar_init(&scalar, es384_curve());
  if (es384_import(&scalar, key.d, key.x, key.y) != ES384_OK) return 2;
  uint8_t digest[ES384_DIGEST_BYTES];
  memset(digest, 0x5a, sizeof digest);

  if (control) {
    struct dsa_signature signature;
    dsa_signature_init(&signature);
    sign_with_nettle_ecdsa_sign(&scalar, digest, &signature);
    int found = nonce_limbs_on_stack();
    dsa_signature_clear(&signature);
    printf("residue control (Nettle's ecdsa_sign): %d of the nonce's limbs found on the stack\n", found);
    return found > 0 ? 0 : 1;
  }

  int failures = 0;
  size_t work_limbs = es384_work_limbs();
  mp_limb_t *work = calloc(work_limbs, sizeof(mp_limb_t));
  uint8_t signature[ES384_SIGNATURE_BYTES];
  for (int round = 0; round < 100; round++) {
    if (sign_with_work(&scalar, digest, recording_entropy, work, signature) != ES384_OK ||
        !verifies(&key, digest, signature)) {
      failures++;
      puts("residue: a signature failed");
    }
    int found = nonce_limbs_on_stack();
    size_t dirty = 0;
    for (size_t index = 0; index < work_limbs; index++) dirty += work[index] != 0;
    if (found > 0 || dirty > 0) {
      failures++;
      printf("residue: after signature %d, %d nonce limbs on the stack, %zu work limbs not wiped\n", round, found,
             dirty);
    }
  }
  int calls_before = ecdsa_sign_calls;
  memset(signature, 0xee, sizeof signature);
  memset(work, 0xee, work_limbs * sizeof(mp_limb_t));
  es384_status status = sign_with_work(&scalar, digest, failing_entropy, work, signature);
  int untouched = 1, wiped = 1;
  for (size_t index = 0; index < sizeof signature; index++) untouched &= signature[index] == 0xee;
  for (size_t index = 0; index < work_limbs; index++) wiped &= work[index] == 0;
  if (status != ES384_ENTROPY_FAILED || ecdsa_sign_calls != calls_before || !untouched || !wiped) {
    failures++;
    printf("residue: with a failing random source: status %d, %d signing calls, signature %s, work %s\n", status,
           ecdsa_sign_calls - calls_before, untouched ? "untouched" : "written", wiped ? "wiped" : "not wiped");
  }
  printf("residue: 100 signatures, %d Nettle signing calls; no nonce limb on the stack or in the work space "
         "after any: %s; failing random source: nothing signed: %s\n",
         calls_before, failures == 0 ? "yes" : "NO", status == ES384_ENTROPY_FAILED && ecdsa_sign_calls == calls_before ? "yes" : "NO");
  free(work);
  ecc_scalar_clear(&scalar);
  return failures == 0 ? 0 : 1;
}
