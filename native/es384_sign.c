/*
 * See es384_sign.h. Why the low-level interface: Nettle's ecdsa_sign() keeps the nonce k and its
 * scratch space on the calling thread's stack and returns without overwriting them, and a nonce
 * plus its public signature gives the private key. ecc_ecdsa_sign() takes k and the scratch space
 * from the caller, so here both live in memory this file owns and wipes after every signature.
 *
 * Side channels: Nettle's ECDSA signing is written without secret-dependent branches or memory
 * indices. What this file adds keeps to that: bytes become limbs by fixed shifts, the range checks
 * (0 < k < n, 0 < d < n) are computed without branches, and the only branches on secret-derived
 * values are on facts that are public anyway: that a nonce candidate was rejected (it is discarded;
 * about 1 draw in 2^190), that an imported key was refused, and on R and S, which are published.
 * Those are the DECLASSIFY() points; native/test/side-channel.c checks the rest under valgrind.
 */
#include "es384_sign.h"

#include <nettle/ecc-curve.h>
#include <nettle/ecdsa.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#ifdef ES384_SIDE_CHANNEL_TEST
#include <valgrind/memcheck.h>
/* Tells valgrind's memcheck that a value derived from secrets is public from here on. */
#define DECLASSIFY(address, length) VALGRIND_MAKE_MEM_DEFINED(address, length)
#else
#define DECLASSIFY(address, length) ((void)0)
#endif

_Static_assert(GMP_NAIL_BITS == 0, "Nettle needs GMP without nail bits");

#define LIMB_BYTES sizeof(mp_limb_t)
#define LIMBS ((ES384_COORDINATE_BYTES + LIMB_BYTES - 1) / LIMB_BYTES)
/* A nonce candidate is rejected about once in 2^190 draws; eight in a row mean a broken source. */
#define MAX_NONCE_DRAWS 8

/* The order n of the P-384 group (FIPS 186-4, D.1.2.4), big-endian. */
static const uint8_t ORDER_BYTES[ES384_COORDINATE_BYTES] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
    0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73};

static mp_limb_t order[LIMBS];
static const struct ecc_curve *curve;
static pthread_once_t initialised = PTHREAD_ONCE_INIT;

void es384_wipe(void *memory, size_t length) {
  volatile uint8_t *bytes = memory;
  for (size_t index = 0; index < length; index++) bytes[index] = 0;
}

int es384_getentropy(uint8_t *destination, size_t length) { return getentropy(destination, length); }

/* Big-endian bytes to little-endian limbs, by fixed shifts: the same work for every value. */
static void limbs_from_bytes(mp_limb_t limbs[LIMBS], const uint8_t bytes[ES384_COORDINATE_BYTES]) {
  for (size_t index = 0; index < LIMBS; index++) limbs[index] = 0;
  for (size_t index = 0; index < ES384_COORDINATE_BYTES; index++) {
    limbs[index / LIMB_BYTES] |= (mp_limb_t)bytes[ES384_COORDINATE_BYTES - 1 - index]
                                 << (8 * (index % LIMB_BYTES));
  }
}

static void bytes_from_limbs(uint8_t bytes[ES384_COORDINATE_BYTES], const mp_limb_t limbs[LIMBS]) {
  for (size_t index = 0; index < ES384_COORDINATE_BYTES; index++) {
    bytes[ES384_COORDINATE_BYTES - 1 - index] = (uint8_t)(limbs[index / LIMB_BYTES] >> (8 * (index % LIMB_BYTES)));
  }
}

/* 1 if 0 < value < n, else 0, without a branch on value; `difference` gets value − n (wipe it). */
static mp_limb_t in_range(const mp_limb_t value[LIMBS], mp_limb_t difference[LIMBS]) {
  mp_limb_t any = 0;
  for (size_t index = 0; index < LIMBS; index++) any |= value[index];
  mp_limb_t nonzero = (any | (0 - any)) >> (GMP_NUMB_BITS - 1);
  /* mpn_sub_n's borrow is 1 exactly when value < n; GMP computes it without branches. */
  mp_limb_t below = mpn_sub_n(difference, value, order, LIMBS);
  return nonzero & below;
}

/*
 * GMP's allocator, for GMP and Nettle in this process (node itself does not use GMP): as the
 * default, but every block is overwritten before it is freed. Nettle's high-level calls used at
 * key import (ecc_point_mul_g's scratch, the mpz temporaries) free their memory unwiped otherwise.
 */
static void *allocate(size_t size) {
  void *memory = malloc(size);
  if (memory == NULL) {
    /* GMP's own allocator does the same: its callers cannot handle a failed allocation. */
    fputs("nettle_es384: GMP could not allocate memory\n", stderr);
    abort();
  }
  return memory;
}

static void wipe_and_free(void *memory, size_t size) {
  es384_wipe(memory, size);
  free(memory);
}

static void *reallocate(void *memory, size_t old_size, size_t new_size) {
  void *moved = allocate(new_size);
  memcpy(moved, memory, old_size < new_size ? old_size : new_size);
  wipe_and_free(memory, old_size);
  return moved;
}

static void initialise(void) {
  mp_set_memory_functions(allocate, reallocate, wipe_and_free);
  const struct ecc_curve *secp384r1 = nettle_get_secp_384r1();
  /* The limb layout below (and R, S, k of LIMBS limbs each) is what Nettle uses for this curve. */
  if (ecc_bit_size(secp384r1) != 8 * ES384_COORDINATE_BYTES || ecc_size(secp384r1) != (mp_size_t)LIMBS) {
    return;
  }
  limbs_from_bytes(order, ORDER_BYTES);
  curve = secp384r1;
}

const struct ecc_curve *es384_curve(void) {
  pthread_once(&initialised, initialise);
  return curve;
}

es384_status es384_import(struct ecc_scalar *scalar, const uint8_t d[ES384_COORDINATE_BYTES],
                          const uint8_t x[ES384_COORDINATE_BYTES], const uint8_t y[ES384_COORDINATE_BYTES]) {
  /*
   * Not ecc_scalar_set(): it takes a GMP integer, whose import (mpz_import) and comparison
   * (mpz_cmp) branch on the value's leading limbs. The struct's limbs are documented public.
   */
  mp_limb_t difference[LIMBS];
  limbs_from_bytes(scalar->p, d);
  mp_limb_t valid = in_range(scalar->p, difference);
  es384_wipe(difference, sizeof difference);
  DECLASSIFY(&valid, sizeof valid);
  if (!valid) {
    es384_wipe(scalar->p, LIMBS * LIMB_BYTES);
    return ES384_OUT_OF_RANGE;
  }

  /* The public point must be d·G: the key we sign with is the one whose public half IVS has. */
  struct ecc_point derived;
  ecc_point_init(&derived, curve);
  ecc_point_mul_g(&derived, scalar);
  DECLASSIFY(derived.p, 2 * LIMBS * LIMB_BYTES); /* d·G is the public key */
  uint8_t derived_x[ES384_COORDINATE_BYTES], derived_y[ES384_COORDINATE_BYTES];
  bytes_from_limbs(derived_x, derived.p);
  bytes_from_limbs(derived_y, derived.p + LIMBS);
  ecc_point_clear(&derived);
  if (memcmp(derived_x, x, sizeof derived_x) != 0 || memcmp(derived_y, y, sizeof derived_y) != 0) {
    es384_wipe(scalar->p, LIMBS * LIMB_BYTES);
    return ES384_NOT_PUBLIC_POINT;
  }
  return ES384_OK;
}

size_t es384_work_limbs(void) {
  /* k, then its random bytes (LIMBS limbs hold 48 bytes), then ecc_ecdsa_sign's scratch. */
  return 2 * LIMBS + (size_t)ecc_ecdsa_sign_itch(es384_curve());
}

static mp_limb_t is_zero(const mp_limb_t value[LIMBS]) {
  mp_limb_t any = 0;
  for (size_t index = 0; index < LIMBS; index++) any |= value[index];
  return any == 0;
}

es384_status es384_sign(const struct ecc_scalar *key, const uint8_t digest[ES384_DIGEST_BYTES],
                        es384_entropy_func *entropy, mp_limb_t *work,
                        uint8_t signature[ES384_SIGNATURE_BYTES]) {
  mp_limb_t *k = work;
  uint8_t *random_bytes = (uint8_t *)(work + LIMBS);
  mp_limb_t *scratch = work + 2 * LIMBS;
  mp_limb_t r[LIMBS], s[LIMBS];
  es384_status status = ES384_ENTROPY_FAILED;

  for (int draw = 0; draw < MAX_NONCE_DRAWS; draw++) {
    /* The nonce first: if the random source fails, nothing is signed (the key is never used). */
    if (entropy(random_bytes, ES384_COORDINATE_BYTES) != 0) break;
    limbs_from_bytes(k, random_bytes);
    /* Rejection sampling, as Nettle's own: uniform over 0 < k < n. */
    mp_limb_t usable = in_range(k, scratch);
    DECLASSIFY(&usable, sizeof usable); /* a rejected candidate is discarded */
    if (!usable) continue;

    ecc_ecdsa_sign(curve, key->p, k, ES384_DIGEST_BYTES, digest, r, s, scratch);
    DECLASSIFY(r, sizeof r); /* the signature is published */
    DECLASSIFY(s, sizeof s);
    /* R or S zero (probability about 2^-384): not a valid signature, so draw again, as Nettle does. */
    if (is_zero(r) || is_zero(s)) continue;
    bytes_from_limbs(signature, r);
    bytes_from_limbs(signature + ES384_COORDINATE_BYTES, s);
    status = ES384_OK;
    break;
  }
  es384_wipe(work, es384_work_limbs() * LIMB_BYTES);
  return status;
}
