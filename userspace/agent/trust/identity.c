// SPDX-License-Identifier: MIT
/*
 * Node identity: RSA key generation, the key file (unencrypted PKCS#8 PEM,
 * mode 0600, created once with O_EXCL) and the node id, SHA-256 of the DER
 * SubjectPublicKeyInfo.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/errmsg.h"
#include "trust/identity.h"

/* Largest key file read: a 4096-bit key in PKCS#8 PEM is about 3.3 KB. */
#define KEY_FILE_MAX	(64 * 1024)

bool identity_bits_ok(unsigned int bits)
{
	return bits == 2048 || bits == 3072 || bits == 4096;
}

bool identity_key_ok(const EVP_PKEY *key)
{
	int bits;

	if (!key || !EVP_PKEY_is_a(key, "RSA"))
		return false;
	bits = EVP_PKEY_get_bits(key);
	return bits > 0 && identity_bits_ok((unsigned int)bits);
}

/* Why identity_key_ok() said no, for err. */
static void set_key_err(char *err, size_t errsz, const char *path,
			const EVP_PKEY *key)
{
	const char *type = EVP_PKEY_get0_type_name(key);

	if (!EVP_PKEY_is_a(key, "RSA"))
		errmsg_set(err, errsz, "%s: %s key; an RSA key is required", path,
			type ? type : "unknown");
	else
		errmsg_set(err, errsz,
			"%s: RSA key of %d bits; 2048, 3072 or 4096 required",
			path, EVP_PKEY_get_bits(key));
}

int identity_node_id(const EVP_PKEY *pub, uint8_t id[AEGIS_NODE_ID_LEN])
{
	unsigned char *der = NULL;
	unsigned int mdlen = 0;
	int len, ret = -EINVAL;

	if (!pub || !id)
		return -EINVAL;
	len = i2d_PUBKEY(pub, &der);
	if (len <= 0)
		return -EINVAL;
	if (EVP_Digest(der, (size_t)len, id, &mdlen, EVP_sha256(), NULL) == 1 &&
	    mdlen == AEGIS_NODE_ID_LEN)
		ret = 0;
	OPENSSL_free(der);
	return ret;
}

/* PEM passphrase callback: never prompt; an encrypted key is an error. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static int write_pkcs8(BIO *bio, const void *key)
{
	return PEM_write_bio_PKCS8PrivateKey(bio, key, NULL, NULL, 0, NULL,
					     NULL);
}

static int write_pubkey(BIO *bio, const void *key)
{
	return PEM_write_bio_PUBKEY(bio, key);
}

/* fsync the directory holding path, so that a new entry survives a crash.
 * Best effort: the file itself has been synced already. */
static void fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash) {
		strcpy(dir, ".");
	} else {
		size_t n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			return;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* On failure the data is on disk but the name may not be: nothing
	 * more can be done about it here. */
	(void)fsync(fd);
	close(fd);
}

/* Create path, which must not exist, with exactly mode (whatever the umask). */
static int open_new(const char *path, mode_t mode, char *err, size_t errsz)
{
	int fd, ret;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		ret = -errno;
		if (ret == -EEXIST)
			errmsg_set(err, errsz, "%s already exists; not overwriting it",
				path);
		else
			errmsg_set(err, errsz, "cannot create %s: %s", path,
				strerror(-ret));
		return ret;
	}
	if (fchmod(fd, mode) < 0) {
		ret = -errno;
		errmsg_set(err, errsz, "cannot set the mode of %s: %s", path,
			strerror(-ret));
		goto err_unlink;
	}
	return fd;

err_unlink:
	close(fd);
	unlink(path);
	return ret;
}

/*
 * Write obj through fn to fd, fsync and close fd (always, even on error).
 * name is for messages. Returns 0 or -errno.
 */
static int write_fd(int fd, const char *name, identity_pem_writer fn,
		    const void *obj, char *err, size_t errsz)
{
	BIO *bio;
	int ret;

	bio = BIO_new_fd(fd, BIO_NOCLOSE);
	if (!bio) {
		ret = -ENOMEM;
		errmsg_set_ssl(err, errsz, "cannot write %s", name);
		goto err_close;
	}
	errno = 0;
	if (fn(bio, obj) != 1 || BIO_flush(bio) != 1) {
		int e = errno;

		if (e) {
			ret = -e;
			errmsg_set(err, errsz, "cannot write %s: %s", name,
				strerror(e));
		} else {
			ret = -EIO;
			errmsg_set_ssl(err, errsz, "cannot write %s", name);
		}
		goto err_free_bio;
	}
	BIO_free(bio);
	if (fsync(fd) < 0) {
		ret = -errno;
		errmsg_set(err, errsz, "cannot write %s: %s", name, strerror(-ret));
		goto err_close;
	}
	if (close(fd) < 0) {
		ret = -errno;
		errmsg_set(err, errsz, "cannot write %s: %s", name, strerror(-ret));
		return ret;
	}
	return 0;

err_free_bio:
	BIO_free(bio);
err_close:
	close(fd);
	return ret;
}

int identity_write_pem(const char *path, mode_t mode, bool replace,
		       identity_pem_writer fn, const void *obj, char *err,
		       size_t errsz)
{
	char tmp[PATH_MAX];
	int fd, ret;

	if (!path || !*path || !fn) {
		errmsg_set(err, errsz, "no file name");
		return -EINVAL;
	}
	if (!replace) {
		fd = open_new(path, mode, err, errsz);
		if (fd < 0)
			return fd;
		ret = write_fd(fd, path, fn, obj, err, errsz);
		if (ret) {
			unlink(path);
			return ret;
		}
		fsync_parent(path);
		return 0;
	}

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
		errmsg_set(err, errsz, "%s: file name too long", path);
		return -ENAMETOOLONG;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		errmsg_set(err, errsz, "cannot create %s: %s", tmp, strerror(-ret));
		return ret;
	}
	if (fchmod(fd, mode) < 0) {
		ret = -errno;
		errmsg_set(err, errsz, "cannot set the mode of %s: %s", tmp,
			strerror(-ret));
		close(fd);
		goto err_unlink;
	}
	ret = write_fd(fd, path, fn, obj, err, errsz);
	if (ret)
		goto err_unlink;
	if (rename(tmp, path) < 0) {
		ret = -errno;
		errmsg_set(err, errsz, "cannot rename %s to %s: %s", tmp, path,
			strerror(-ret));
		goto err_unlink;
	}
	fsync_parent(path);
	return 0;

err_unlink:
	unlink(tmp);
	return ret;
}

/*
 * Read a key file (at most KEY_FILE_MAX bytes) into *buf, which the caller
 * releases with OPENSSL_clear_free(*buf, *len). With private_key, refuse
 * a file that group or others may access in any way.
 */
static int read_key_file(const char *path, bool private_key,
			 unsigned char **buf, size_t *len, char *err,
			 size_t errsz)
{
	unsigned char *data;
	struct stat st;
	size_t cap, got = 0;
	ssize_t n;
	int fd, ret;

	if (!path || !*path) {
		errmsg_set(err, errsz, "no key file name");
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		errmsg_set(err, errsz, "cannot open %s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		errmsg_set(err, errsz, "cannot stat %s: %s", path, strerror(-ret));
		goto err_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		errmsg_set(err, errsz, "%s is not a regular file", path);
		goto err_close;
	}
	if (private_key && (st.st_mode & 077)) {
		ret = -EPERM;
		errmsg_set(err, errsz,
			"%s has mode %04o: a private key must not be accessible by group or others; run chmod 600 %s",
			path, (unsigned int)(st.st_mode & 07777), path);
		goto err_close;
	}
	if (st.st_size > KEY_FILE_MAX) {
		ret = -EFBIG;
		errmsg_set(err, errsz, "%s is too large for a key file (%lld bytes)",
			path, (long long)st.st_size);
		goto err_close;
	}
	cap = (size_t)st.st_size;
	data = OPENSSL_malloc(cap ? cap : 1);
	if (!data) {
		ret = -ENOMEM;
		errmsg_set(err, errsz, "%s: out of memory", path);
		goto err_close;
	}
	while (got < cap) {
		n = read(fd, data + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			errmsg_set(err, errsz, "cannot read %s: %s", path,
				strerror(-ret));
			goto err_free;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*buf = data;
	*len = got;
	return 0;

err_free:
	OPENSSL_clear_free(data, cap ? cap : 1);
err_close:
	close(fd);
	return ret;
}

/* Read a private key file: mode 0600 (or stricter), RSA of allowed size. */
static int load_private(const char *path, EVP_PKEY **out, char *err,
			size_t errsz)
{
	unsigned char *buf;
	EVP_PKEY *key;
	size_t len;
	BIO *bio;
	int ret;

	ret = read_key_file(path, true, &buf, &len, err, errsz);
	if (ret)
		return ret;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio) {
		ret = -ENOMEM;
		errmsg_set_ssl(err, errsz, "%s: out of memory", path);
		goto err_wipe;
	}
	key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (!key) {
		ret = -EINVAL;
		errmsg_set_ssl(err, errsz,
			    "%s: not an unencrypted PEM private key", path);
		goto err_wipe;
	}
	if (!identity_key_ok(key)) {
		ret = -EINVAL;
		set_key_err(err, errsz, path, key);
		goto err_free_key;
	}
	OPENSSL_clear_free(buf, len);
	*out = key;
	return 0;

err_free_key:
	EVP_PKEY_free(key);
err_wipe:
	OPENSSL_clear_free(buf, len);
	return ret;
}

static int generate(unsigned int bits, EVP_PKEY **out, char *err,
		    size_t errsz)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *key = NULL;
	int ret = -EINVAL;

	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!ctx) {
		errmsg_set_ssl(err, errsz, "RSA key generation unavailable");
		return -ENOMEM;
	}
	if (EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) != 1 ||
	    EVP_PKEY_generate(ctx, &key) != 1) {
		errmsg_set_ssl(err, errsz, "cannot generate a %u-bit RSA key",
			    bits);
		goto out;
	}
	*out = key;
	ret = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

int identity_create(const char *path, unsigned int bits, struct identity *id,
		    char *err, size_t errsz)
{
	EVP_PKEY *key = NULL;
	int fd, ret;

	memset(id, 0, sizeof(*id));
	if (!identity_bits_ok(bits)) {
		errmsg_set(err, errsz,
			"unsupported key size %u; use 2048, 3072 or 4096", bits);
		return -EINVAL;
	}
	if (!path || !*path) {
		errmsg_set(err, errsz, "no key file name");
		return -EINVAL;
	}
	/* Claim the name first: no key is generated for nothing. */
	fd = open_new(path, 0600, err, errsz);
	if (fd < 0)
		return fd;
	ret = generate(bits, &key, err, errsz);
	if (ret)
		goto err_close;
	ret = write_fd(fd, path, write_pkcs8, key, err, errsz);
	if (ret)
		goto err_unlink;
	fsync_parent(path);
	if (identity_node_id(key, id->node_id)) {
		ret = -EINVAL;
		errmsg_set_ssl(err, errsz, "%s: cannot compute the node id", path);
		goto err_unlink;
	}
	id->key = key;
	return 0;

err_close:
	close(fd);
err_unlink:
	unlink(path);
	EVP_PKEY_free(key);
	return ret;
}

int identity_load(const char *path, struct identity *id, char *err,
		  size_t errsz)
{
	EVP_PKEY *key;
	int ret;

	memset(id, 0, sizeof(*id));
	ret = load_private(path, &key, err, errsz);
	if (ret)
		return ret;
	if (identity_node_id(key, id->node_id)) {
		errmsg_set_ssl(err, errsz, "%s: cannot compute the node id", path);
		EVP_PKEY_free(key);
		return -EINVAL;
	}
	id->key = key;
	return 0;
}

/* A new EVP_PKEY with only the public half of key. */
static EVP_PKEY *public_half(const EVP_PKEY *key)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *pub;
	int len;

	len = i2d_PUBKEY(key, &der);
	if (len <= 0)
		return NULL;
	p = der;
	pub = d2i_PUBKEY(NULL, &p, len);
	OPENSSL_free(der);
	return pub;
}

int identity_load_public(const char *path, EVP_PKEY **pub, char *err,
			 size_t errsz)
{
	EVP_PKEY *key, *priv;
	unsigned char *buf;
	size_t len;
	BIO *bio;
	int ret;

	ret = read_key_file(path, false, &buf, &len, err, errsz);
	if (ret)
		return ret;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio) {
		ret = -ENOMEM;
		errmsg_set_ssl(err, errsz, "%s: out of memory", path);
		goto err_wipe;
	}
	key = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	if (!key) {
		/* Not a public key: a private key, then. */
		ERR_clear_error();
		if (BIO_reset(bio) != 1) {
			ret = -EIO;
			errmsg_set_ssl(err, errsz, "%s: cannot read", path);
			goto err_free_bio;
		}
		priv = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
		if (priv) {
			key = public_half(priv);
			EVP_PKEY_free(priv);
		}
	}
	if (!key) {
		ret = -EINVAL;
		errmsg_set_ssl(err, errsz, "%s: not a PEM public or private key",
			    path);
		goto err_free_bio;
	}
	if (!identity_key_ok(key)) {
		ret = -EINVAL;
		set_key_err(err, errsz, path, key);
		EVP_PKEY_free(key);
		goto err_free_bio;
	}
	BIO_free(bio);
	OPENSSL_clear_free(buf, len);
	*pub = key;
	return 0;

err_free_bio:
	BIO_free(bio);
err_wipe:
	OPENSSL_clear_free(buf, len);
	return ret;
}

int identity_save_public(const char *path, const EVP_PKEY *key, char *err,
			 size_t errsz)
{
	if (!identity_key_ok(key)) {
		errmsg_set(err, errsz, "%s: not an RSA key of an allowed size",
			path ? path : "(null)");
		return -EINVAL;
	}
	return identity_write_pem(path, 0644, true, write_pubkey, key, err,
				  errsz);
}

void identity_free(struct identity *id)
{
	if (!id)
		return;
	EVP_PKEY_free(id->key);
	id->key = NULL;
	memset(id->node_id, 0, sizeof(id->node_id));
}

/* ---- signatures ------------------------------------------------------- */

/* RSA-PSS, SHA-256, MGF1-SHA-256, salt length = digest length. */
static int pss_ctx(EVP_PKEY_CTX *pctx)
{
	if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0)
		return -EIO;
	return 0;
}

int identity_sign(EVP_PKEY *key, const struct identity_span *s, size_t n,
		    uint8_t *sig, size_t sig_size)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	size_t siglen = sig_size;
	size_t i;
	int ret = -EIO;

	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestSignInit_ex(ctx, &pctx, "SHA256", NULL, NULL, key,
				  NULL) != 1 || pss_ctx(pctx))
		goto out;
	for (i = 0; i < n; i++)
		if (EVP_DigestSignUpdate(ctx, s[i].p, s[i].len) != 1)
			goto out;
	if (EVP_DigestSignFinal(ctx, sig, &siglen) != 1 || siglen != sig_size)
		goto out;
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);	/* frees pctx too */
	return ret;
}

bool identity_verify(EVP_PKEY *pub, const struct identity_span *s, size_t n,
		       const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	bool ok = false;
	size_t i;

	if (!ctx)
		return false;
	if (EVP_DigestVerifyInit_ex(ctx, &pctx, "SHA256", NULL, NULL, pub,
				    NULL) != 1 || pss_ctx(pctx))
		goto out;
	for (i = 0; i < n; i++)
		if (EVP_DigestVerifyUpdate(ctx, s[i].p, s[i].len) != 1)
			goto out;
	ok = EVP_DigestVerifyFinal(ctx, sig, siglen) == 1;
out:
	EVP_MD_CTX_free(ctx);
	return ok;
}
