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
 * This file is the Node-API glue; es384_sign.c holds the key and nonce handling. Secrets: the
 * private scalar lives only in the key's Nettle storage, overwritten before it is freed; each
 * signature's nonce and Nettle's scratch space live in the job's own memory and are overwritten
 * as soon as the signature is made; no error message contains key material (the JS side still
 * holds the key's PEM, as it does for OpenSSL). Nonces come from getentropy() (the kernel CSPRNG)
 * for every signature; if it fails, nothing is signed and the callback gets ERR_NETTLE_ENTROPY.
 * importKey fails the same way up front when getentropy does not work at all, so the service's
 * start-up self-test falls back to OpenSSL.
 */
#include <nettle/sha2.h>
#include <nettle/version.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "es384_sign.h"

/* Marks externals made by importKey, so sign() refuses anything else. */
static const napi_type_tag KEY_TAG = {0x6970612d65733338ULL, 0x342d6e6574746c65ULL};

typedef struct {
  struct ecc_scalar scalar;
} Key;

typedef struct {
  napi_async_work work;
  napi_ref key_ref;  /* keeps the key alive while the job runs */
  napi_ref callback; /* the JS callback */
  const Key *key;
  size_t input_length;
  uint8_t *input;
  uint8_t signature[ES384_SIGNATURE_BYTES];
  es384_status status;
  mp_limb_t nonce_work[]; /* es384_work_limbs(): the nonce and Nettle's scratch, wiped after use */
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

static void wipe_and_clear_scalar(struct ecc_scalar *scalar) {
  /* ecc_scalar_clear frees through GMP's allocator, which es384_sign.c makes wipe; wipe anyway. */
  es384_wipe(scalar->p, (size_t)ecc_size(scalar->ecc) * sizeof(mp_limb_t));
  ecc_scalar_clear(scalar);
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
  if (length != ES384_COORDINATE_BYTES) {
    char message[96];
    snprintf(message, sizeof message, "%s must be %d bytes (a P-384 coordinate)", name, ES384_COORDINATE_BYTES);
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

  Key *key = malloc(sizeof *key);
  if (key == NULL) {
    napi_throw_error(env, "ERR_MEMORY_ALLOCATION_FAILED", "nettle_es384: out of memory");
    return NULL;
  }
  ecc_scalar_init(&key->scalar, es384_curve());
  es384_status status = es384_import(&key->scalar, d_bytes, x_bytes, y_bytes);
  if (status != ES384_OK) {
    wipe_and_clear_scalar(&key->scalar);
    free(key);
    napi_throw_error(env, "ERR_INVALID_KEY",
                     status == ES384_OUT_OF_RANGE ? "the P-384 private scalar is out of range"
                                                  : "the P-384 public point is not d·G for this private key");
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
  job->status = es384_sign(&job->key->scalar, digest, es384_getentropy, job->nonce_work, job->signature);
}

static void free_job(napi_env env, SignJob *job) {
  if (job->callback) napi_delete_reference(env, job->callback);
  if (job->key_ref) napi_delete_reference(env, job->key_ref);
  if (job->work) napi_delete_async_work(env, job->work);
  free(job->input);
  free(job);
}

static napi_status make_error(napi_env env, const char *code, const char *message, napi_value *error) {
  napi_value code_value, message_value;
  napi_status status;
  if ((status = napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value)) != napi_ok ||
      (status = napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &message_value)) != napi_ok) {
    return status;
  }
  return napi_create_error(env, code_value, message_value, error);
}

/* (error, signature) for the callback: the 96-byte signature, or an error saying why there is none. */
static napi_status make_result(napi_env env, napi_status status, const SignJob *job, napi_value argv[2]) {
  const char *failure = status == napi_cancelled          ? "the signature was cancelled"
                        : status != napi_ok               ? "the signature job failed"
                        : job->status != ES384_OK         ? "could not read random bytes for the ECDSA nonce"
                                                          : NULL;
  napi_status made;
  if (failure != NULL) {
    const char *code = status != napi_ok ? "ERR_NETTLE_SIGN" : "ERR_NETTLE_ENTROPY";
    if ((made = make_error(env, code, failure, &argv[0])) != napi_ok) return made;
    return napi_get_undefined(env, &argv[1]);
  }
  void *copy;
  if ((made = napi_get_null(env, &argv[0])) != napi_ok) return made;
  return napi_create_buffer_copy(env, ES384_SIGNATURE_BYTES, job->signature, &copy, &argv[1]);
}

/*
 * Node-API < 10 reports "JS cannot run" (a Worker or the process tearing down) as
 * napi_pending_exception with no exception pending; 10 and later as napi_cannot_run_js.
 */
static bool tearing_down(napi_env env, napi_status status) {
  bool pending = false;
  return status == napi_cannot_run_js ||
         (status == napi_pending_exception && napi_is_exception_pending(env, &pending) == napi_ok &&
          !pending);
}

/*
 * When the result cannot be made (the JS heap or memory is exhausted), the call fails instead:
 * with the exception that prevented it, else with ERR_NETTLE_SIGN naming the Node-API error
 * (`reason`). Returns the status of the last attempt; argv is ready when it is napi_ok.
 */
static napi_status make_failure(napi_env env, const char *reason, napi_value argv[2]) {
  char message[320];
  bool pending = false;
  napi_status made;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
      napi_get_and_clear_last_exception(env, &argv[0]) == napi_ok) {
    return napi_get_undefined(env, &argv[1]);
  }
  snprintf(message, sizeof message, "the signature's result could not be delivered: %s", reason);
  if ((made = make_error(env, "ERR_NETTLE_SIGN", message, &argv[0])) != napi_ok) return made;
  return napi_get_undefined(env, &argv[1]);
}

/*
 * Back on the JS thread: calls callback(error, signature). During teardown (a Worker terminated
 * with signatures in flight, or the process exiting) no JS can run and no one waits for the
 * result: it is dropped. Any other failure to make the result fails this call (make_failure);
 * only if not even an error can be made, or the callback cannot be reached or called, is the
 * result lost, and the process does not end either way.
 */
static void complete_sign(napi_env env, napi_status status, void *data) {
  SignJob *job = data;
  napi_value callback, global, argv[2];
  /* Without the callback and `this` there is no one to deliver anything to. */
  if (napi_get_reference_value(env, job->callback, &callback) != napi_ok || callback == NULL ||
      napi_get_global(env, &global) != napi_ok) {
    free_job(env, job);
    return;
  }
  napi_status made = make_result(env, status, job, argv);
  if (made != napi_ok) {
    char reason[256];
    const napi_extended_error_info *info = NULL;
    napi_get_last_error_info(env, &info); /* before tearing_down's calls overwrite it */
    snprintf(reason, sizeof reason, "%s",
             info && info->error_message ? info->error_message : "unknown Node-API error");
    if (!tearing_down(env, made)) made = make_failure(env, reason, argv);
  }
  /* An exception thrown by the callback surfaces as an uncaught exception, as with node:crypto. */
  if (made == napi_ok) napi_call_function(env, global, callback, 2, argv, NULL);
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

  SignJob *job = calloc(1, sizeof *job + es384_work_limbs() * sizeof(mp_limb_t));
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
  if (es384_curve() == NULL) {
    napi_throw_error(env, "ERR_NETTLE_UNSUPPORTED",
                     "nettle_es384: this Nettle's secp384r1 does not have the limb layout this addon was written for");
    return NULL;
  }
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
