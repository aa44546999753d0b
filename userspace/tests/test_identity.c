// SPDX-License-Identifier: MIT
/* Unit tests: userspace/agent/trust/identity.c */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "trust/identity.h"

/* One RSA key for the whole binary: generating keys is slow. */
struct fixture {
	char dir[64];
	char key_path[128];
	struct identity id;
};

static void path_in(const struct fixture *fx, const char *name, char *buf,
		    size_t size)
{
	assert_true((size_t)snprintf(buf, size, "%s/%s", fx->dir, name) < size);
}

static void write_file(const char *path, const void *data, size_t len,
		       mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* Whole file into a malloc'ed, NUL-terminated buffer. */
static char *read_file(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	buf[st.st_size] = '\0';
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static mode_t file_mode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* Write key to path as PEM PKCS#8 (optionally encrypted), mode 0600. */
static void write_key(const char *path, EVP_PKEY *key, const char *pass)
{
	const EVP_CIPHER *cipher = pass ? EVP_aes_256_cbc() : NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long len;

	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PKCS8PrivateKey(bio, key, cipher,
						       (char *)pass,
						       pass ? (int)strlen(pass) : 0,
						       NULL, NULL), 1);
	len = BIO_get_mem_data(bio, &data);
	assert_true(len > 0);
	write_file(path, data, (size_t)len, 0600);
	BIO_free(bio);
}

static int group_setup(void **state)
{
	char err[256] = "";
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/aegis-test-identity.XXXXXX");
	if (!mkdtemp(fx->dir))
		goto err_free;
	snprintf(fx->key_path, sizeof(fx->key_path), "%s/node.key", fx->dir);
	if (identity_create(fx->key_path, IDENTITY_DEFAULT_BITS, &fx->id, err,
			    sizeof(err))) {
		fprintf(stderr, "identity_create: %s\n", err);
		goto err_rmdir;
	}
	*state = fx;
	return 0;

err_rmdir:
	rmdir(fx->dir);
err_free:
	free(fx);
	return -1;
}

static int group_teardown(void **state)
{
	struct fixture *fx = *state;
	DIR *d;

	identity_free(&fx->id);
	d = opendir(fx->dir);
	if (d) {
		struct dirent *de;

		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* SHA-256 of the DER SubjectPublicKeyInfo, computed here independently. */
static void spki_sha256(EVP_PKEY *key, uint8_t out[32])
{
	X509_PUBKEY *xpk = NULL;
	unsigned char *der = NULL;
	unsigned int mdlen = 0;
	EVP_MD_CTX *md;
	int len;

	assert_int_equal(X509_PUBKEY_set(&xpk, key), 1);
	len = i2d_X509_PUBKEY(xpk, &der);
	assert_true(len > 0);
	md = EVP_MD_CTX_new();
	assert_non_null(md);
	assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(md, der, (size_t)len), 1);
	assert_int_equal(EVP_DigestFinal_ex(md, out, &mdlen), 1);
	assert_int_equal(mdlen, 32);
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	X509_PUBKEY_free(xpk);
}

static void test_create_then_load(void **state)
{
	struct fixture *fx = *state;
	struct identity id;
	uint8_t want[32];
	char err[256] = "";
	size_t len;
	char *pem;

	assert_non_null(fx->id.key);
	assert_int_equal(EVP_PKEY_get_bits(fx->id.key), 2048);
	assert_int_equal(file_mode(fx->key_path), 0600);

	pem = read_file(fx->key_path, &len);
	assert_memory_equal(pem, "-----BEGIN PRIVATE KEY-----\n", 28);
	free(pem);

	assert_int_equal(identity_load(fx->key_path, &id, err, sizeof(err)), 0);
	assert_non_null(id.key);
	assert_memory_equal(id.node_id, fx->id.node_id, AEGIS_NODE_ID_LEN);
	assert_int_equal(EVP_PKEY_eq(id.key, fx->id.key), 1);

	spki_sha256(id.key, want);
	assert_memory_equal(id.node_id, want, 32);
	memset(want, 0, sizeof(want));
	assert_int_equal(identity_node_id(fx->id.key, want), 0);
	assert_memory_equal(fx->id.node_id, want, 32);

	identity_free(&id);
	assert_null(id.key);
}

static void test_create_refuses_existing(void **state)
{
	struct fixture *fx = *state;
	struct identity id;
	char err[256] = "";
	size_t len1, len2;
	char *before, *after;

	before = read_file(fx->key_path, &len1);
	assert_int_equal(identity_create(fx->key_path, 2048, &id, err,
					 sizeof(err)), -EEXIST);
	assert_null(id.key);
	assert_non_null(strstr(err, "already exists"));
	after = read_file(fx->key_path, &len2);
	assert_int_equal(len1, len2);
	assert_memory_equal(before, after, len1);
	free(before);
	free(after);
}

static void test_create_bad_bits(void **state)
{
	struct fixture *fx = *state;
	static const unsigned int bad[] = { 0, 1024, 2047, 2049, 8192 };
	struct identity id;
	char path[160], err[256];
	size_t i;

	path_in(fx, "bits.key", path, sizeof(path));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(identity_create(path, bad[i], &id, err,
						 sizeof(err)), -EINVAL);
		assert_true(err[0] != '\0');
		assert_int_equal(access(path, F_OK), -1);
	}
	assert_true(identity_bits_ok(2048));
	assert_true(identity_bits_ok(3072));
	assert_true(identity_bits_ok(4096));
	assert_false(identity_bits_ok(1024));
	assert_false(identity_bits_ok(0));
}

static void test_load_refuses_loose_mode(void **state)
{
	struct fixture *fx = *state;
	static const mode_t bad[] = { 0644, 0640, 0604, 0660, 0602, 0620, 0610,
				      0601, 0666 };
	struct identity id;
	char path[160], err[256];
	size_t len, i;
	char *pem;

	path_in(fx, "loose.key", path, sizeof(path));
	pem = read_file(fx->key_path, &len);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(path, pem, len, bad[i]);
		err[0] = '\0';
		assert_int_equal(identity_load(path, &id, err, sizeof(err)),
				 -EPERM);
		assert_null(id.key);
		assert_non_null(strstr(err, "chmod 600"));
	}
	/* Owner-only modes are fine. */
	write_file(path, pem, len, 0400);
	assert_int_equal(identity_load(path, &id, err, sizeof(err)), 0);
	assert_memory_equal(id.node_id, fx->id.node_id, AEGIS_NODE_ID_LEN);
	identity_free(&id);
	free(pem);
	unlink(path);
}

static void test_load_garbage(void **state)
{
	struct fixture *fx = *state;
	static const char junk[] = "this is not a key\n";
	static const char fake[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n"
				   "-----END PRIVATE KEY-----\n";
	struct identity id;
	EVP_PKEY *pub = NULL;
	char path[160], err[256];

	path_in(fx, "garbage.key", path, sizeof(path));
	write_file(path, junk, strlen(junk), 0600);
	assert_int_equal(identity_load(path, &id, err, sizeof(err)), -EINVAL);
	assert_null(id.key);
	assert_non_null(strstr(err, "garbage.key"));
	assert_int_equal(identity_load_public(path, &pub, err, sizeof(err)),
			 -EINVAL);
	assert_null(pub);

	write_file(path, fake, strlen(fake), 0600);
	assert_int_equal(identity_load(path, &id, err, sizeof(err)), -EINVAL);

	write_file(path, "", 0, 0600);
	assert_int_equal(identity_load(path, &id, err, sizeof(err)), -EINVAL);
	unlink(path);

	assert_int_equal(identity_load(path, &id, err, sizeof(err)), -ENOENT);
	assert_int_equal(identity_load(fx->dir, &id, err, sizeof(err)),
			 -EINVAL);
	/* No error buffer at all is fine. */
	assert_int_equal(identity_load(path, &id, NULL, 0), -ENOENT);
	/* The error queue is not left for others to trip over. */
	assert_int_equal(ERR_peek_error(), 0);
}

static void test_load_wrong_key_type(void **state)
{
	struct fixture *fx = *state;
	struct identity id;
	EVP_PKEY *ec, *small, *pub = NULL;
	char path[160], err[256];

	path_in(fx, "other.key", path, sizeof(path));

	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(ec);
	write_key(path, ec, NULL);
	assert_int_equal(identity_load(path, &id, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "RSA"));
	assert_int_equal(identity_load_public(path, &pub, err, sizeof(err)),
			 -EINVAL);
	EVP_PKEY_free(ec);

	small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	assert_non_null(small);
	write_key(path, small, NULL);
	assert_int_equal(identity_load(path, &id, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "1024"));
	EVP_PKEY_free(small);
	unlink(path);
}

static void test_load_encrypted(void **state)
{
	struct fixture *fx = *state;
	struct identity id;
	char path[160], err[256];

	/* Refused, and without asking for a passphrase on the terminal. */
	path_in(fx, "encrypted.key", path, sizeof(path));
	write_key(path, fx->id.key, "secret");
	assert_int_equal(identity_load(path, &id, err, sizeof(err)), -EINVAL);
	assert_null(id.key);
	unlink(path);
}

static void test_public(void **state)
{
	struct fixture *fx = *state;
	uint8_t nid[AEGIS_NODE_ID_LEN];
	char path[160], err[256];
	EVP_PKEY *pub = NULL;
	BIGNUM *d = NULL;
	size_t len;
	char *pem;

	path_in(fx, "node.pub", path, sizeof(path));
	assert_int_equal(identity_save_public(path, fx->id.key, err,
					      sizeof(err)), 0);
	assert_int_equal(file_mode(path), 0644);
	pem = read_file(path, &len);
	assert_memory_equal(pem, "-----BEGIN PUBLIC KEY-----\n", 27);
	assert_null(strstr(pem, "PRIVATE"));
	free(pem);

	/* Saving again replaces the file. */
	assert_int_equal(identity_save_public(path, fx->id.key, err,
					      sizeof(err)), 0);

	assert_int_equal(identity_load_public(path, &pub, err, sizeof(err)), 0);
	assert_int_equal(identity_node_id(pub, nid), 0);
	assert_memory_equal(nid, fx->id.node_id, AEGIS_NODE_ID_LEN);
	assert_int_equal(EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_D, &d),
			 0);
	EVP_PKEY_free(pub);
	ERR_clear_error();

	/* From the private key file: only the public half is kept. */
	pub = NULL;
	assert_int_equal(identity_load_public(fx->key_path, &pub, err,
					      sizeof(err)), 0);
	assert_int_equal(identity_node_id(pub, nid), 0);
	assert_memory_equal(nid, fx->id.node_id, AEGIS_NODE_ID_LEN);
	assert_int_equal(EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_D, &d),
			 0);
	assert_null(d);
	EVP_PKEY_free(pub);
	ERR_clear_error();

	/* A public key is not a private key. */
	{
		struct identity id;

		assert_int_equal(chmod(path, 0600), 0);
		assert_int_equal(identity_load(path, &id, err, sizeof(err)),
				 -EINVAL);
	}
	unlink(path);
}

static int write_pub(BIO *bio, const void *key)
{
	return PEM_write_bio_PUBKEY(bio, key);
}

static void test_write_mode_ignores_umask(void **state)
{
	struct fixture *fx = *state;
	char path[160], err[256];
	mode_t old;

	path_in(fx, "umask.pem", path, sizeof(path));
	old = umask(0);
	assert_int_equal(identity_write_pem(path, 0600, false, write_pub,
					    fx->id.key, err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(file_mode(path), 0600);
	assert_int_equal(identity_write_pem(path, 0600, false, write_pub,
					    fx->id.key, err, sizeof(err)),
			 -EEXIST);

	old = umask(0777);
	assert_int_equal(identity_write_pem(path, 0644, true, write_pub,
					    fx->id.key, err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(file_mode(path), 0644);
	unlink(path);
}

static void test_node_id_args(void **state)
{
	uint8_t nid[AEGIS_NODE_ID_LEN];

	(void)state;
	assert_int_equal(identity_node_id(NULL, nid), -EINVAL);
	assert_false(identity_key_ok(NULL));
	identity_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_then_load),
		cmocka_unit_test(test_create_refuses_existing),
		cmocka_unit_test(test_create_bad_bits),
		cmocka_unit_test(test_load_refuses_loose_mode),
		cmocka_unit_test(test_load_garbage),
		cmocka_unit_test(test_load_wrong_key_type),
		cmocka_unit_test(test_load_encrypted),
		cmocka_unit_test(test_public),
		cmocka_unit_test(test_write_mode_ignores_umask),
		cmocka_unit_test(test_node_id_args),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
