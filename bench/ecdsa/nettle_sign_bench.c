/* One-core ES384 signing rate with Nettle: ecdsa_sign on secp384r1 over a SHA-384 digest of a
 * JWT-sized signing input, nonces from OpenSSL's CSPRNG (RAND_bytes, as ivs-server's signer), each
 * signature converted to the raw 96-byte r||s a JOSE token carries. Prints one JSON object.
 *   nettle_sign_bench [seconds]                                                          */
#include <nettle/bignum.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>
#include <nettle/sha2.h>
#include <nettle/version.h>
#include <openssl/rand.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int random_failed = 0;

static void random_bytes(void *ctx, size_t length, uint8_t *dst) {
    (void)ctx;
    if (RAND_bytes(dst, (int)length) != 1) {
        random_failed = 1;
        memset(dst, 0x5a, length);
    }
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    if (seconds <= 0) seconds = 3.0;

    const struct ecc_curve *curve = nettle_get_secp_384r1();
    struct ecc_point pub;
    struct ecc_scalar key;
    ecc_point_init(&pub, curve);
    ecc_scalar_init(&key, curve);
    ecdsa_generate_keypair(&pub, &key, NULL, random_bytes);

    /* A participant token's signing input is about this long: base64url(header).base64url(claims). */
    char input[420];
    memset(input, 'a', sizeof input);
    struct dsa_signature sig;
    dsa_signature_init(&sig);
    uint8_t digest[SHA384_DIGEST_SIZE];
    uint8_t raw[96];
    struct sha384_ctx sha;

    long signatures = 0;
    int verified = 1;
    const double start = now_seconds();
    double elapsed = 0;
    do {
        for (int i = 0; i < 32; ++i) {
            input[signatures % sizeof input] ^= 1; /* every message differs */
            sha384_init(&sha);
            sha384_update(&sha, sizeof input, (const uint8_t *)input);
            sha384_digest(&sha, sizeof digest, digest);
            ecdsa_sign(&key, NULL, random_bytes, sizeof digest, digest, &sig);
            nettle_mpz_get_str_256(48, raw, sig.r);
            nettle_mpz_get_str_256(48, raw + 48, sig.s);
            if (signatures == 0) verified = ecdsa_verify(&pub, sizeof digest, digest, &sig);
            ++signatures;
        }
        elapsed = now_seconds() - start;
    } while (elapsed < seconds);

    printf("{\"library\":\"nettle %d.%d\",\"curve\":\"secp384r1\",\"digest\":\"sha384\","
           "\"random\":\"OpenSSL RAND_bytes\",\"threads\":1,\"seconds\":%.3f,"
           "\"signatures\":%ld,\"sign_per_s\":%.1f,\"first_signature_verified\":%s}\n",
           nettle_version_major(), nettle_version_minor(), elapsed, signatures,
           (double)signatures / elapsed, verified ? "true" : "false");

    dsa_signature_clear(&sig);
    ecc_scalar_clear(&key);
    ecc_point_clear(&pub);
    if (random_failed) fprintf(stderr, "nettle_sign_bench: RAND_bytes failed\n");
    return verified && !random_failed ? 0 : 1;
}
