/*
 * ES384 signing with GNU Nettle, for Node.js (Node-API, ABI-stable across Node versions).
 *
 * Why: OpenSSL 3's ECDSA P-384 (what node:crypto and `openssl speed` use) has no curve-specific
 * code and costs about 800 µs a signature on the x86_64 build machine; Nettle's secp384r1
 * (fixed-base tables for k·G, x86_64 assembly for the field) costs about 130 µs, side-channel
 * silent by design (Nettle manual, "Side-channel silence"). A token is one signature, so this is
 * the service's throughput.
 *
 * JS API (wrapped by src/adapters/crypto/nettle-signing-backend.ts, which is the only caller):
 *   importKey(d, x, y)        -> key   d: the private scalar, x/y: the public point, 48 bytes each,
 *                                      big-endian. Checks 0 < d < n and d·G = (x, y).
 *   sign(key, input, callback)         SHA-384 of `input`, ECDSA with a fresh random nonce, on the
 *                                      libuv threadpool; callback(error, R‖S as a 96-byte Buffer).
 *   nettleVersion                      "major.minor" of the Nettle library loaded.
 *
 * Secrets: this file keeps the private scalar only in the key's Nettle storage, overwritten before
 * it is freed, and no error message contains key material (the JS side still holds the key's PEM,
 * as it does for OpenSSL; Nettle's scratch space on the pool thread's stack is not wiped). Nonces
 * come from getentropy() (the kernel CSPRNG, glibc ≥ 2.25, macOS ≥ 10.12) for every signature; if
 * it ever fails, the signature is discarded and the callback gets an error (ERR_NETTLE_ENTROPY),
 * never a signature made with a predictable nonce. importKey fails the same way up front when
 * getentropy does not work at all, so the service's start-up self-test falls back to OpenSSL.
 */
#include <gmp.h>
#include <nettle/bignum.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>
#include <nettle/sha2.h>
#include <nettle/version.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define COORDINATE_BYTES 48
#define SIGNATURE_BYTES (2 * COORDINATE_BYTES)
#define GETENTROPY_MAX 256

/* Marks externals made by importKey, so sign() refuses anything else. */
static const napi_type_tag KEY_TAG = {0x6970612d65733338ULL, 0x342d6e6574746c65ULL};

typedef struct {
  struct ecc_scalar scalar;
} Key;

typedef struct {
  int failed;
} Entropy;

typedef struct {
  napi_async_work work;
  napi_ref key_ref;  /* keeps the key alive while the job runs */
  napi_ref callback; /* the JS callback */
  const Key *key;
  size_t input_length;
  uint8_t *input;
  uint8_t signature[SIGNATURE_BYTES];
  int entropy_failed;
} SignJob;

#define CHECK(env, call)                                                                           \
  do {                                                                                             \
    if ((call) != napi_ok) {                                                                       \
      throw_last_error(env, #call);                                                                \
      return NULL;                                                                                 \
    }                                                                                              \
  } while (0)

/* Describes the last Node-API error; read it before any other Node-API call overwrites it. */
static void describe_last_error(napi_env env, const char *call, char *message, size_t size) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  snprintf(message, size, "nettle_es384: %s failed: %s", call,
           info && info->error_message ? info->error_message : "unknown Node-API error");
}

static void throw_message(napi_env env, const char *message) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, NULL, message);
}

static void throw_last_error(napi_env env, const char *call) {
  char message[256];
  describe_last_error(env, call, message, sizeof message);
  throw_message(env, message);
}

/*
 * nettle_random_func: the kernel CSPRNG, in the chunks getentropy() allows. Nettle draws the nonce
 * by rejection sampling (it draws again until 0 < k < q), so on failure this must still return an
 * acceptable value or the loop would never end: it returns 0x01 bytes and marks the job failed,
 * and the signature made with that known nonce is discarded, never returned.
 */
static void fill_random(void *context, size_t length, uint8_t *destination) {
  Entropy *entropy = context;
  while (length > 0) {
    size_t chunk = length < GETENTROPY_MAX ? length : GETENTROPY_MAX;
    if (entropy->failed || getentropy(destination, chunk) != 0) {
      entropy->failed = 1;
      memset(destination, 0x01, chunk);
    }
    destination += chunk;
    length -= chunk;
  }
}

static void wipe_and_clear_scalar(struct ecc_scalar *scalar) {
  /* ecc_scalar_clear frees without overwriting: wipe the limbs first. */
  volatile mp_limb_t *limbs = scalar->p;
  mp_size_t count = ecc_size(scalar->ecc);
  for (mp_size_t index = 0; index < count; index++) limbs[index] = 0;
  ecc_scalar_clear(scalar);
}

static void wipe_and_clear_mpz(mpz_t value) {
  size_t count = mpz_size(value);
  if (count > 0) {
    volatile mp_limb_t *limbs = mpz_limbs_modify(value, (mp_size_t)count);
    for (size_t index = 0; index < count; index++) limbs[index] = 0;
  }
  mpz_clear(value);
}

static void finalize_key(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Key *key = data;
  wipe_and_clear_scalar(&key->scalar);
  free(key);
}

/* Reads exactly three arguments into argv; throws a TypeError quoting `usage` otherwise. */
static int three_arguments(napi_env env, napi_callback_info info, napi_value argv[3], const char *usage) {
  size_t argc = 3;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    throw_last_error(env, "napi_get_cb_info");
    return 0;
  }
  if (argc != 3) {
    char message[96];
    snprintf(message, sizeof message, "%s takes three arguments", usage);
    napi_throw_type_error(env, "ERR_MISSING_ARGS", message);
    return 0;
  }
  return 1;
}

/* Reads a Uint8Array (or Buffer) argument; throws a TypeError naming it otherwise. */
static int bytes_argument(napi_env env, napi_value value, const char *name, const uint8_t **bytes,
                          size_t *length) {
  bool is_typed_array = false;
  napi_typedarray_type type = napi_int8_array;
  void *data = NULL;
  if (napi_is_typedarray(env, value, &is_typed_array) != napi_ok || !is_typed_array ||
      napi_get_typedarray_info(env, value, &type, length, &data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    char message[96];
    snprintf(message, sizeof message, "%s must be a Uint8Array", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return 0;
  }
  *bytes = data;
  return 1;
}

/* A P-384 coordinate or scalar: exactly 48 bytes, big-endian. */
static int coordinate_argument(napi_env env, napi_value value, const char *name, const uint8_t **bytes) {
  size_t length = 0;
  if (!bytes_argument(env, value, name, bytes, &length)) return 0;
  if (length != COORDINATE_BYTES) {
    char message[96];
    snprintf(message, sizeof message, "%s must be %d bytes (a P-384 coordinate)", name, COORDINATE_BYTES);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", message);
    return 0;
  }
  return 1;
}

static napi_value import_key(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!three_arguments(env, info, argv, "importKey(d, x, y)")) return NULL;
  const uint8_t *d_bytes, *x_bytes, *y_bytes;
  if (!coordinate_argument(env, argv[0], "d", &d_bytes) ||
      !coordinate_argument(env, argv[1], "x", &x_bytes) ||
      !coordinate_argument(env, argv[2], "y", &y_bytes)) {
    return NULL;
  }

  uint8_t probe[16];
  if (getentropy(probe, sizeof probe) != 0) {
    napi_throw_error(env, "ERR_NETTLE_ENTROPY",
                     "the kernel's random source (getentropy) does not work here, so no ECDSA nonce "
                     "can be drawn");
    return NULL;
  }

  const struct ecc_curve *curve = nettle_get_secp_384r1();
  Key *key = malloc(sizeof *key);
  if (key == NULL) {
    napi_throw_error(env, "ERR_MEMORY_ALLOCATION_FAILED", "nettle_es384: out of memory");
    return NULL;
  }
  ecc_scalar_init(&key->scalar, curve);

  mpz_t d, x, y, derived_x, derived_y;
  mpz_inits(d, x, y, derived_x, derived_y, NULL);
  nettle_mpz_set_str_256_u(d, COORDINATE_BYTES, d_bytes);
  nettle_mpz_set_str_256_u(x, COORDINATE_BYTES, x_bytes);
  nettle_mpz_set_str_256_u(y, COORDINATE_BYTES, y_bytes);
  int in_range = ecc_scalar_set(&key->scalar, d);
  wipe_and_clear_mpz(d);

  int matches = 0;
  if (in_range) {
    /* The public point must be d·G: the key we sign with is the one whose public half IVS has. */
    struct ecc_point derived;
    ecc_point_init(&derived, curve);
    ecc_point_mul_g(&derived, &key->scalar);
    ecc_point_get(&derived, derived_x, derived_y);
    ecc_point_clear(&derived);
    matches = mpz_cmp(x, derived_x) == 0 && mpz_cmp(y, derived_y) == 0;
  }
  mpz_clears(x, y, derived_x, derived_y, NULL);

  if (!in_range || !matches) {
    wipe_and_clear_scalar(&key->scalar);
    free(key);
    napi_throw_error(env, "ERR_INVALID_KEY",
                     in_range ? "the P-384 public point is not d·G for this private key"
                              : "the P-384 private scalar is out of range");
    return NULL;
  }

  napi_value external;
  if (napi_create_external(env, key, finalize_key, NULL, &external) != napi_ok) {
    finalize_key(env, key, NULL);
    throw_last_error(env, "napi_create_external");
    return NULL;
  }
  CHECK(env, napi_type_tag_object(env, external, &KEY_TAG));
  return external;
}

/* Runs on a libuv threadpool thread: no Node-API calls here. */
static void execute_sign(napi_env env, void *data) {
  (void)env;
  SignJob *job = data;
  uint8_t digest[SHA384_DIGEST_SIZE];
  struct sha384_ctx hash;
  sha384_init(&hash);
  sha384_update(&hash, job->input_length, job->input);
  sha384_digest(&hash, sizeof digest, digest);

  Entropy entropy = {0};
  struct dsa_signature signature;
  dsa_signature_init(&signature);
  ecdsa_sign(&job->key->scalar, &entropy, fill_random, sizeof digest, digest, &signature);
  job->entropy_failed = entropy.failed;
  if (!entropy.failed) {
    nettle_mpz_get_str_256(COORDINATE_BYTES, job->signature, signature.r);
    nettle_mpz_get_str_256(COORDINATE_BYTES, job->signature + COORDINATE_BYTES, signature.s);
  }
  dsa_signature_clear(&signature);
}

static void free_job(napi_env env, SignJob *job) {
  if (job->callback) napi_delete_reference(env, job->callback);
  if (job->key_ref) napi_delete_reference(env, job->key_ref);
  if (job->work) napi_delete_async_work(env, job->work);
  free(job->input);
  free(job);
}

/*
 * Back on the JS thread: calls callback(error, signature). A result that cannot be delivered (out
 * of memory) would leave the caller waiting forever, so that ends the process, as node would.
 */
static void complete_sign(napi_env env, napi_status status, void *data) {
  SignJob *job = data;
  napi_value callback, global, argv[2];
  const char *code = status != napi_ok     ? "ERR_NETTLE_SIGN"
                     : job->entropy_failed ? "ERR_NETTLE_ENTROPY"
                                           : NULL;
  const char *failure = status == napi_cancelled ? "the signature was cancelled"
                        : status != napi_ok      ? "the signature job failed"
                        : job->entropy_failed    ? "could not read random bytes for the ECDSA nonce"
                                                 : NULL;
  int ready = napi_get_reference_value(env, job->callback, &callback) == napi_ok &&
              napi_get_global(env, &global) == napi_ok;
  if (ready && failure) {
    napi_value code_value, message;
    ready = napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value) == napi_ok &&
            napi_create_string_utf8(env, failure, NAPI_AUTO_LENGTH, &message) == napi_ok &&
            napi_create_error(env, code_value, message, &argv[0]) == napi_ok &&
            napi_get_undefined(env, &argv[1]) == napi_ok;
  } else if (ready) {
    void *copy;
    ready = napi_get_null(env, &argv[0]) == napi_ok &&
            napi_create_buffer_copy(env, SIGNATURE_BYTES, job->signature, &copy, &argv[1]) == napi_ok;
  }
  if (!ready) {
    const napi_extended_error_info *info = NULL;
    napi_get_last_error_info(env, &info);
    /* While Node shuts down nothing can run JS any more, and no one waits for the result. */
    if (info == NULL || info->error_code != napi_cannot_run_js) {
      napi_fatal_error("nettle_es384", NAPI_AUTO_LENGTH, "could not deliver a signature's result",
                       NAPI_AUTO_LENGTH);
    }
    free_job(env, job);
    return;
  }
  /* An exception thrown by the callback surfaces as an uncaught exception, as with node:crypto. */
  napi_call_function(env, global, callback, 2, argv, NULL);
  free_job(env, job);
}

static napi_value sign(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!three_arguments(env, info, argv, "sign(key, input, callback)")) return NULL;
  bool is_key = false;
  napi_valuetype key_type;
  CHECK(env, napi_typeof(env, argv[0], &key_type));
  if (key_type == napi_external) CHECK(env, napi_check_object_type_tag(env, argv[0], &KEY_TAG, &is_key));
  if (!is_key) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "key must come from importKey()");
    return NULL;
  }
  const uint8_t *input = NULL;
  size_t input_length = 0;
  if (!bytes_argument(env, argv[1], "input", &input, &input_length)) return NULL;
  napi_valuetype callback_type;
  CHECK(env, napi_typeof(env, argv[2], &callback_type));
  if (callback_type != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "callback must be a function");
    return NULL;
  }

  SignJob *job = calloc(1, sizeof *job);
  /* The input is copied: the caller may reuse its buffer before the threadpool gets to it. */
  uint8_t *copy = job ? malloc(input_length > 0 ? input_length : 1) : NULL;
  if (job == NULL || copy == NULL) {
    free(job);
    napi_throw_error(env, "ERR_MEMORY_ALLOCATION_FAILED", "nettle_es384: out of memory");
    return NULL;
  }
  if (input_length > 0) memcpy(copy, input, input_length);
  job->input = copy;
  job->input_length = input_length;
  void *key = NULL;
  napi_value resource_name;
  char message[256];
  if (napi_get_value_external(env, argv[0], &key) != napi_ok) {
    describe_last_error(env, "napi_get_value_external", message, sizeof message);
    free_job(env, job);
    throw_message(env, message);
    return NULL;
  }
  /* Set before queueing: a pool thread may run execute_sign as soon as the work is queued. */
  job->key = key;
  if (napi_create_reference(env, argv[0], 1, &job->key_ref) != napi_ok ||
      napi_create_reference(env, argv[2], 1, &job->callback) != napi_ok ||
      napi_create_string_latin1(env, "NettleEs384Sign", NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_create_async_work(env, NULL, resource_name, execute_sign, complete_sign, job, &job->work) !=
          napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    describe_last_error(env, "queueing the signature", message, sizeof message);
    free_job(env, job);
    throw_message(env, message);
    return NULL;
  }
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value function, version;
  CHECK(env, napi_create_function(env, "importKey", NAPI_AUTO_LENGTH, import_key, NULL, &function));
  CHECK(env, napi_set_named_property(env, exports, "importKey", function));
  CHECK(env, napi_create_function(env, "sign", NAPI_AUTO_LENGTH, sign, NULL, &function));
  CHECK(env, napi_set_named_property(env, exports, "sign", function));
  char text[32];
  snprintf(text, sizeof text, "%d.%d", nettle_version_major(), nettle_version_minor());
  CHECK(env, napi_create_string_latin1(env, text, NAPI_AUTO_LENGTH, &version));
  CHECK(env, napi_set_named_property(env, exports, "nettleVersion", version));
  return exports;
}
