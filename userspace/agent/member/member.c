// SPDX-License-Identifier: MIT
/*
 * The member table (member.h): hash tables by id and by certificate hash,
 * the checks of a signed record, certificates fetched on demand, our own
 * record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "member/member.h"
#include "trust/identity.h"

#define ID		WIRE_MESH_ID_LEN
#define HSET_MIN	64

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

const char *member_verdict_name(enum member_verdict v)
{
	static const char *const names[MEMBER_VERDICT_MAX] = {
		[MEMBER_ACCEPTED] = "accepted",
		[MEMBER_DUPLICATE] = "duplicate",
		[MEMBER_STALE] = "stale",
		[MEMBER_MALFORMED] = "malformed",
		[MEMBER_EXPIRED] = "expired",
		[MEMBER_REVOKED] = "revoked",
		[MEMBER_NO_CERT] = "no_cert",
		[MEMBER_CERT_REFUSED] = "cert_refused",
		[MEMBER_BAD_SIGNATURE] = "bad_signature",
		[MEMBER_PREFIX_NOT_ALLOWED] = "prefix_not_allowed",
		[MEMBER_ROLE_NOT_ALLOWED] = "role_not_allowed",
		[MEMBER_OWN] = "own",
		[MEMBER_FULL] = "full",
	};

	if ((unsigned int)v < MEMBER_VERDICT_MAX && names[v])
		return names[v];
	return "unknown";
}

/* ---- hash sets of links ------------------------------------------------ */

/* splitmix64's finalizer: the first 8 bytes of a hash, with a secret seed
 * mixed in, so that nobody can aim many pending records at one chain. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t key_of(const struct member_table *t, const uint8_t *id)
{
	uint64_t k;

	memcpy(&k, id, sizeof(k));
	return mix64(k ^ t->seed);
}

static int hset_init(struct member_hset *s)
{
	s->b = calloc(HSET_MIN, sizeof(*s->b));
	if (!s->b)
		return -ENOMEM;
	s->mask = HSET_MIN - 1;
	s->n = 0;
	return 0;
}

/* Double when full; if memory is short, chains just get longer. */
static void hset_grow(struct member_hset *s)
{
	size_t i, size = (s->mask + 1) * 2;
	struct member_link **nb;

	if (s->n <= s->mask + 1)
		return;
	nb = calloc(size, sizeof(*nb));
	if (!nb)
		return;
	for (i = 0; i <= s->mask; i++) {
		struct member_link *l = s->b[i], *next;

		for (; l; l = next) {
			next = l->next;
			l->next = nb[l->key & (size - 1)];
			nb[l->key & (size - 1)] = l;
		}
	}
	free(s->b);
	s->b = nb;
	s->mask = size - 1;
}

static void hset_add(struct member_hset *s, struct member_link *l,
		     uint64_t key)
{
	l->key = key;
	l->next = s->b[key & s->mask];
	s->b[key & s->mask] = l;
	s->n++;
	hset_grow(s);
}

static void hset_del(struct member_hset *s, struct member_link *l)
{
	struct member_link **pp = &s->b[l->key & s->mask];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			l->next = NULL;
			s->n--;
			return;
		}
	}
}

static struct member_link *hset_first(const struct member_hset *s,
				      uint64_t key)
{
	return s->b[key & s->mask];
}

/* ---- dense arrays ------------------------------------------------------ */

static int arr_reserve(struct member ***a, size_t n, size_t *cap)
{
	struct member **na;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 64;
	na = realloc(*a, c * sizeof(*na));
	if (!na)
		return -ENOMEM;
	*a = na;
	*cap = c;
	return 0;
}

/* Room reserved before. */
static void arr_add(struct member **a, size_t *n, struct member *m)
{
	m->idx = *n;
	a[(*n)++] = m;
}

static void arr_del(struct member **a, size_t *n, struct member *m)
{
	size_t i = m->idx;

	a[i] = a[--(*n)];
	a[i]->idx = i;
}

/* ---- records and certificates ------------------------------------------ */

static size_t record_size(const struct member_record *r)
{
	return sizeof(*r) + r->n_endpoints * sizeof(r->ep[0]) +
	       r->n_prefixes * sizeof(r->prefixes[0]) + r->len;
}

/* One allocation: the fields, the endpoints, the prefixes, the bytes. */
static struct member_record *record_new(const struct wire_mesh_record *v,
					const uint8_t *b, size_t len,
					time_t now)
{
	size_t ep = v->n_endpoints * sizeof(v->ep[0]);
	size_t pf = v->prefixes.n * sizeof(v->prefixes.p[0]);
	struct member_record *r = malloc(sizeof(*r) + ep + pf + len);
	uint8_t *p;

	if (!r)
		return NULL;
	p = (uint8_t *)(r + 1);
	memcpy(p, v->ep, ep);
	r->ep = (const struct wire_mesh_endpoint *)p;
	p += ep;
	memcpy(p, v->prefixes.p, pf);
	r->prefixes = (const struct aegis_prefix *)p;
	p += pf;
	memcpy(p, b, len);
	r->bytes = p;
	r->len = len;
	r->seq = v->seq;
	r->expiry = v->expiry;
	r->roles = v->roles;
	r->flags = v->flags;
	r->cert_len = v->cert_len;
	memcpy(r->cert_hash, v->cert_hash, ID);
	r->n_endpoints = v->n_endpoints;
	r->n_prefixes = v->prefixes.n;
	r->received = now;
	return r;
}

static struct member_cert *cert_lookup(const struct member_table *t,
				       const uint8_t *hash)
{
	uint64_t key = key_of(t, hash);
	struct member_link *l;

	for (l = hset_first(&t->by_cert, key); l; l = l->next) {
		struct member_cert *c = container_of(l, struct member_cert,
						     by_hash);

		if (l->key == key && !memcmp(c->hash, hash, ID))
			return c;
	}
	return NULL;
}

static struct member_cert *cert_new(struct member_table *t, const uint8_t *der,
				    size_t len, const uint8_t *hash,
				    const struct cert_info *info)
{
	struct member_cert *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->der = malloc(len);
	if (!c->der) {
		free(c);
		return NULL;
	}
	memcpy(c->der, der, len);
	c->der_len = len;
	memcpy(c->hash, hash, ID);
	memcpy(c->node_id, info->node_id, ID);
	c->not_after = info->not_after;
	c->roles = info->roles;
	hset_add(&t->by_cert, &c->by_hash, key_of(t, hash));
	return c;
}

static void cert_drop(struct member_table *t, struct member_cert *c)
{
	if (!c)
		return;
	hset_del(&t->by_cert, &c->by_hash);
	free(c->der);
	free(c);
}

/* ---- members ----------------------------------------------------------- */

struct member *member_find(const struct member_table *t, const uint8_t *id)
{
	uint64_t key = key_of(t, id);
	struct member_link *l;

	for (l = hset_first(&t->by_id, key); l; l = l->next) {
		struct member *m = container_of(l, struct member, by_id);

		if (l->key == key && !memcmp(m->id, id, ID))
			return m;
	}
	return NULL;
}

const struct member_cert *member_cert_find(const struct member_table *t,
					   const uint8_t *hash)
{
	return cert_lookup(t, hash);
}

/* A member without a record yet; bounded unless forced (ourselves). */
static struct member *stub_new(struct member_table *t, const uint8_t *id,
			       time_t now, bool force)
{
	struct member *m;

	if (!force && t->n_stubs >= t->max_pending)
		return NULL;
	if (arr_reserve(&t->stubs, t->n_stubs, &t->cap_stubs))
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	memcpy(m->id, id, ID);
	m->first_seen = now;
	hset_add(&t->by_id, &m->by_id, key_of(t, id));
	arr_add(t->stubs, &t->n_stubs, m);
	return m;
}

static void pending_drop(struct member_table *t, struct member *m)
{
	if (!m->pending)
		return;
	hset_del(&t->by_pending, &m->by_pending);
	free(m->pending);
	m->pending = NULL;
	t->n_pending--;
}

static void member_drop(struct member_table *t, struct member *m)
{
	pending_drop(t, m);
	cert_drop(t, m->cert);
	cert_drop(t, m->next_cert);
	hset_del(&t->by_id, &m->by_id);
	if (m->rec) {
		digest_set(&t->digest, m->id, 0);
		arr_del(t->all, &t->n_all, m);
		free(m->rec);
	} else {
		arr_del(t->stubs, &t->n_stubs, m);
	}
	free(m);
}

/* A stub that waits for nothing any more goes. */
static void stub_gc(struct member_table *t, struct member *m)
{
	if (m && !m->rec && !m->pending && !m->next_cert &&
	    memcmp(m->id, t->self, ID))
		member_drop(t, m);
}

int member_remove(struct member_table *t, const uint8_t *id)
{
	struct member *m = member_find(t, id);

	if (!m)
		return -ENOENT;
	member_drop(t, m);
	return 0;
}

/*
 * Store a checked record (c: its certificate, NULL for tests only). All
 * that can fail is done before anything changes.
 */
static enum member_verdict store(struct member_table *t, struct member *m,
				 const struct wire_mesh_record *v,
				 const uint8_t *b, size_t len,
				 struct member_cert *c, time_t now,
				 struct member_result *res)
{
	struct member_record *r;

	if (!m->rec && arr_reserve(&t->all, t->n_all, &t->cap_all))
		return MEMBER_FULL;
	r = record_new(v, b, len, now);
	if (!r)
		return MEMBER_FULL;
	if (digest_set(&t->digest, m->id, v->seq)) {
		free(r);
		return MEMBER_FULL;
	}
	if (m->rec) {
		res->old_seq = m->rec->seq;
		free(m->rec);
	} else {
		res->old_seq = 0;
		arr_del(t->stubs, &t->n_stubs, m);
		arr_add(t->all, &t->n_all, m);
	}
	m->rec = r;
	m->updated = now;
	if (c && c != m->cert) {
		/* c is m->next_cert: the record moves to it. */
		cert_drop(t, m->cert);
		m->cert = c;
		if (m->next_cert == c)
			m->next_cert = NULL;
	}
	if (m->pending && m->pending->seq <= v->seq)
		pending_drop(t, m);
	res->m = m;
	res->leave = v->flags & WIRE_MESH_REC_LEAVE;
	return MEMBER_ACCEPTED;
}

/* Certificate, signature, prefixes, roles of a record with cert c. */
static enum member_verdict verify(const struct member_cert *c,
				  const struct wire_mesh_record *v,
				  const uint8_t *b, time_t now)
{
	const struct identity_span span = { b, v->signed_len };
	enum member_verdict ret = MEMBER_ACCEPTED;
	struct cert_info info;
	X509 *x = NULL;
	EVP_PKEY *pub;
	unsigned int i;

	if (memcmp(c->node_id, v->origin, ID) || c->not_after <= now)
		return MEMBER_CERT_REFUSED;
	if (v->cert_len != c->der_len)
		return MEMBER_MALFORMED;
	if (cert_from_der(c->der, c->der_len, &x))
		return MEMBER_CERT_REFUSED;
	pub = X509_get0_pubkey(x);
	if (!pub || !identity_verify(pub, &span, 1, v->sig, v->sig_len)) {
		ret = MEMBER_BAD_SIGNATURE;
		goto out;
	}
	if (cert_read_info(x, &info)) {
		ret = MEMBER_CERT_REFUSED;
		goto out;
	}
	for (i = 0; i < v->prefixes.n; i++) {
		if (!cert_allows_prefix(&info, &v->prefixes.p[i])) {
			ret = MEMBER_PREFIX_NOT_ALLOWED;
			goto out;
		}
	}
	if (v->roles & ~info.roles)
		ret = MEMBER_ROLE_NOT_ALLOWED;
out:
	X509_free(x);
	return ret;
}

static bool is_revoked(const struct member_trust *tr, const uint8_t *id)
{
	return tr && tr->revoked && tr->revoked(tr->ctx, id);
}

/* The cheap checks: against what m holds, expiry, revocation. */
static enum member_verdict precheck(const struct member_trust *tr,
				    const struct member *m,
				    const struct wire_mesh_record *v,
				    time_t now)
{
	if (m && m->rec) {
		if (v->seq == m->rec->seq)
			return MEMBER_DUPLICATE;
		if (v->seq < m->rec->seq)
			return MEMBER_STALE;
	}
	if (now < 0 || v->expiry <= (uint64_t)now)
		return MEMBER_EXPIRED;
	if (is_revoked(tr, v->origin))
		return MEMBER_REVOKED;
	return MEMBER_ACCEPTED;
}

/* A record whose certificate c is known: check it and store it. */
static enum member_verdict judge(struct member_table *t,
				 const struct member_trust *tr,
				 struct member *m,
				 const struct wire_mesh_record *v,
				 const uint8_t *b, size_t len,
				 struct member_cert *c, time_t now,
				 struct member_result *res)
{
	enum member_verdict ret = precheck(tr, m, v, now);

	if (ret == MEMBER_ACCEPTED)
		ret = verify(c, v, b, now);
	if (ret != MEMBER_ACCEPTED)
		return ret;
	if (!memcmp(v->origin, t->self, ID)) {
		/* Ours, signed by our key, newer than ours: an earlier run's.
		 * Never stored: the next record we sign goes above it. */
		if (v->seq > t->own_seen)
			t->own_seen = v->seq;
		return MEMBER_OWN;
	}
	if (!m) {
		m = stub_new(t, v->origin, now, true);
		if (!m)
			return MEMBER_FULL;
	}
	ret = store(t, m, v, b, len, c, now, res);
	if (ret != MEMBER_ACCEPTED)
		stub_gc(t, m);
	return ret;
}

/* Keep a record until its certificate comes. */
static enum member_verdict wait_cert(struct member_table *t, struct member *m,
				     const struct wire_mesh_record *v,
				     const uint8_t *b, size_t len, time_t now,
				     struct member_result *res)
{
	struct member_record *r;

	if (m && m->pending) {
		if (m->pending->seq == v->seq)
			return MEMBER_DUPLICATE;
		if (m->pending->seq > v->seq)
			return MEMBER_NO_CERT;	/* a newer one waits */
		pending_drop(t, m);
	}
	if (t->n_pending >= t->max_pending)
		goto full;
	if (!m) {
		m = stub_new(t, v->origin, now, false);
		if (!m)
			return MEMBER_FULL;
	}
	r = record_new(v, b, len, now);
	if (!r)
		goto full;
	m->pending = r;
	hset_add(&t->by_pending, &m->by_pending, key_of(t, r->cert_hash));
	t->n_pending++;
	res->m = m;
	res->want_cert = true;
	return MEMBER_NO_CERT;
full:
	stub_gc(t, m);
	return MEMBER_FULL;
}

static enum member_verdict count_record(struct member_table *t,
					enum member_verdict v,
					struct member_result *res)
{
	res->verdict = v;
	if (v != MEMBER_ACCEPTED && v != MEMBER_DUPLICATE &&
	    v != MEMBER_STALE && v != MEMBER_NO_CERT)
		res->m = NULL;
	t->stats.record[v]++;
	return v;
}

enum member_verdict member_accept_record(struct member_table *t,
					 const struct member_trust *tr,
					 const uint8_t *rec, size_t len,
					 time_t now,
					 struct member_result *res)
{
	struct wire_mesh_record v;
	enum member_verdict ret;
	struct member_cert *c;
	struct member *m;

	memset(res, 0, sizeof(*res));
	if (!rec || wire_mesh_parse_record(rec, len, &v))
		return count_record(t, MEMBER_MALFORMED, res);
	memcpy(res->origin, v.origin, ID);
	res->seq = v.seq;
	memcpy(res->cert_hash, v.cert_hash, ID);
	res->cert_len = v.cert_len;
	m = member_find(t, v.origin);
	res->m = m;
	ret = precheck(tr, m, &v, now);
	if (ret != MEMBER_ACCEPTED)
		return count_record(t, ret, res);
	c = cert_lookup(t, v.cert_hash);
	if (!c)
		ret = wait_cert(t, m, &v, rec, len, now, res);
	else
		ret = judge(t, tr, m, &v, rec, len, c, now, res);
	return count_record(t, ret, res);
}

/*
 * Records waiting for the certificate hash that cannot have it: all of
 * them (id NULL: the certificate is no good), or those of nodes other
 * than id (whose certificate it is). Counted as verdict.
 */
static void refuse_pending(struct member_table *t, const uint8_t *hash,
			   const uint8_t *id, enum member_verdict verdict)
{
	uint64_t key = key_of(t, hash);
	struct member_link *l;

again:
	for (l = hset_first(&t->by_pending, key); l; l = l->next) {
		struct member *m = container_of(l, struct member, by_pending);

		if (l->key != key || memcmp(m->pending->cert_hash, hash, ID) ||
		    (id && !memcmp(m->id, id, ID)))
			continue;
		t->stats.record[verdict]++;
		pending_drop(t, m);
		stub_gc(t, m);
		goto again;
	}
}

static enum member_verdict count_cert(struct member_table *t,
				      enum member_verdict v)
{
	t->stats.cert[v]++;
	return v;
}

enum member_verdict member_add_cert(struct member_table *t,
				    const struct member_trust *tr,
				    const uint8_t *der, size_t len, time_t now,
				    struct member_result *res)
{
	uint8_t hash[ID];
	struct cert_info info;
	struct wire_mesh_record v;
	struct member_record *p;
	struct member_cert *c;
	struct member *m;
	enum cert_status st;
	X509 *x = NULL;

	memset(res, 0, sizeof(*res));
	if (!der || !len || len > WIRE_MAX_CERT)
		return count_cert(t, MEMBER_MALFORMED);
	SHA256(der, len, hash);
	if (cert_lookup(t, hash))
		return count_cert(t, MEMBER_DUPLICATE);
	/* From here on, these are the bytes the waiting records name: if
	 * they are no good, so are the records. */
	if (cert_from_der(der, len, &x)) {
		refuse_pending(t, hash, NULL, MEMBER_CERT_REFUSED);
		return count_cert(t, MEMBER_MALFORMED);
	}
	st = cert_verify(tr->ca, x, now, NULL, &info);
	X509_free(x);
	if (st != CERT_OK) {
		refuse_pending(t, hash, NULL, MEMBER_CERT_REFUSED);
		return count_cert(t, MEMBER_CERT_REFUSED);
	}
	if (is_revoked(tr, info.node_id)) {
		refuse_pending(t, hash, NULL, MEMBER_REVOKED);
		return count_cert(t, MEMBER_REVOKED);
	}
	refuse_pending(t, hash, info.node_id, MEMBER_CERT_REFUSED);

	m = member_find(t, info.node_id);
	if (!m)
		m = stub_new(t, info.node_id, now, false);
	if (!m)
		return count_cert(t, MEMBER_FULL);
	c = cert_new(t, der, len, hash, &info);
	if (!c) {
		stub_gc(t, m);
		return count_cert(t, MEMBER_FULL);
	}
	cert_drop(t, m->next_cert);
	m->next_cert = c;

	p = m->pending;
	if (p && !memcmp(p->cert_hash, hash, ID)) {
		/* Judge the record that waited: it is ours now. */
		hset_del(&t->by_pending, &m->by_pending);
		m->pending = NULL;
		t->n_pending--;
		memcpy(res->origin, m->id, ID);
		res->seq = p->seq;
		memcpy(res->cert_hash, hash, ID);
		res->cert_len = p->cert_len;
		res->waited = true;
		if (wire_mesh_parse_record(p->bytes, p->len, &v))
			count_record(t, MEMBER_MALFORMED, res);
		else
			count_record(t, judge(t, tr, m, &v, p->bytes, p->len,
					      c, now, res), res);
		free(p);
	}
	return count_cert(t, MEMBER_ACCEPTED);
}

/* ---- our own record ---------------------------------------------------- */

int member_self_record(struct member_table *t, EVP_PKEY *key,
		       const struct member_self *f, uint64_t seq_floor,
		       time_t now, struct member_result *res)
{
	uint8_t buf[WIRE_MESH_MAX_RECORD], sig[WIRE_MAX_SIG];
	uint8_t id[ID], hash[ID];
	struct wire_mesh_record v, pv;
	struct identity_span span;
	struct wire_mesh_buf w;
	struct member_cert *c;
	struct cert_info info;
	struct member *m;
	uint64_t seq;
	X509 *x = NULL;
	int sig_len, ret;

	memset(res, 0, sizeof(*res));
	if (!key || identity_node_id(key, id) || memcmp(id, t->self, ID))
		return -EINVAL;
	if (!f->cert_der || !f->cert_len || f->cert_len > WIRE_MAX_CERT ||
	    f->n_endpoints > WIRE_MESH_MAX_ENDPOINTS ||
	    f->n_prefixes > WIRE_MAX_ROUTES || !f->expiry)
		return -EINVAL;
	sig_len = EVP_PKEY_get_size(key);
	if (sig_len <= 0 || sig_len > WIRE_MAX_SIG)
		return -EINVAL;
	m = member_find(t, t->self);
	seq = seq_floor;
	if (m && m->rec && m->rec->seq >= seq)
		seq = m->rec->seq + 1;
	if (t->own_seen >= seq)
		seq = t->own_seen + 1;
	if (!seq)
		return -EOVERFLOW;
	SHA256(f->cert_der, f->cert_len, hash);

	memset(&v, 0, sizeof(v));
	v.origin = t->self;
	v.seq = seq;
	v.expiry = f->expiry;
	v.roles = f->roles;
	v.flags = f->leave ? WIRE_MESH_REC_LEAVE : 0;
	v.cert_len = (uint16_t)f->cert_len;
	v.cert_hash = hash;
	v.n_endpoints = f->n_endpoints;
	if (f->n_endpoints)
		memcpy(v.ep, f->ep, f->n_endpoints * sizeof(v.ep[0]));
	v.prefixes.n = f->n_prefixes;
	if (f->n_prefixes)
		memcpy(v.prefixes.p, f->prefixes,
		       f->n_prefixes * sizeof(v.prefixes.p[0]));
	wire_mesh_buf_init(&w, buf, sizeof(buf));
	ret = wire_mesh_record_build(&w, &v);
	if (ret)
		return ret == -EMSGSIZE ? -EINVAL : ret;
	span.p = buf;
	span.len = w.len;
	ret = identity_sign(key, &span, 1, sig, (size_t)sig_len);
	if (ret)
		return ret;
	if (wire_mesh_record_add_sig(&w, sig, (size_t)sig_len) ||
	    wire_mesh_parse_record(buf, w.len, &pv))
		return -EINVAL;

	/* Our certificate, held so that others can fetch it from us. */
	if (!m) {
		m = stub_new(t, t->self, now, true);
		if (!m)
			return -ENOMEM;
	}
	c = cert_lookup(t, hash);
	if (c && memcmp(c->node_id, t->self, ID))
		return -EINVAL;
	if (!c) {
		if (cert_from_der(f->cert_der, f->cert_len, &x))
			return -EINVAL;
		ret = cert_read_info(x, &info);
		X509_free(x);
		if (ret || memcmp(info.node_id, t->self, ID))
			return -EINVAL;
		c = cert_new(t, f->cert_der, f->cert_len, hash, &info);
		if (!c)
			return -ENOMEM;
		cert_drop(t, m->next_cert);
		m->next_cert = c;
	}
	memcpy(res->origin, t->self, ID);
	res->seq = seq;
	if (store(t, m, &pv, buf, w.len, c, now, res) != MEMBER_ACCEPTED)
		return -ENOMEM;
	res->verdict = MEMBER_ACCEPTED;
	return 0;
}

int member_insert_unverified(struct member_table *t, const uint8_t *rec,
			     size_t len, time_t now)
{
	struct member_result res;
	struct wire_mesh_record v;
	struct member *m;

	if (!rec || wire_mesh_parse_record(rec, len, &v))
		return -EBADMSG;
	m = member_find(t, v.origin);
	if (m && m->rec && m->rec->seq >= v.seq)
		return -EEXIST;
	if (!m)
		m = stub_new(t, v.origin, now, true);
	if (!m)
		return -ENOMEM;
	memset(&res, 0, sizeof(res));
	if (store(t, m, &v, rec, len, NULL, now, &res) != MEMBER_ACCEPTED) {
		stub_gc(t, m);
		return -ENOMEM;
	}
	return 0;
}

/* ---- expiry ------------------------------------------------------------ */

size_t member_expire(struct member_table *t, const struct member_trust *tr,
		     time_t now, uint8_t (*gone)[WIRE_MESH_ID_LEN], size_t max)
{
	size_t i, n = 0;

	for (i = t->n_all; i-- > 0;) {
		struct member *m = t->all[i];
		bool revoked = is_revoked(tr, m->id);

		if (m->pending && now - m->pending->received >=
		    MEMBER_PENDING_TTL) {
			t->stats.pending_expired++;
			pending_drop(t, m);
		}
		if (!revoked && (uint64_t)now < m->rec->expiry &&
		    (!m->cert || m->cert->not_after > now))
			continue;
		if (gone) {
			if (n == max)
				break;
			memcpy(gone[n++], m->id, ID);
		}
		if (revoked)
			t->stats.revoked++;
		else
			t->stats.expired++;
		member_drop(t, m);
	}
	for (i = t->n_stubs; i-- > 0;) {
		struct member *m = t->stubs[i];

		if (is_revoked(tr, m->id)) {
			pending_drop(t, m);
			cert_drop(t, m->next_cert);
			m->next_cert = NULL;
		}
		if (m->pending && now - m->pending->received >=
		    MEMBER_PENDING_TTL) {
			t->stats.pending_expired++;
			pending_drop(t, m);
		}
		if (m->next_cert && !m->pending &&
		    (now - m->first_seen >= MEMBER_PENDING_TTL ||
		     m->next_cert->not_after <= now)) {
			cert_drop(t, m->next_cert);
			m->next_cert = NULL;
		}
		stub_gc(t, m);
	}
	return n;
}

/* ---- table ------------------------------------------------------------- */

int member_table_init(struct member_table *t, const uint8_t *self)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->self, self, ID);
	if (RAND_bytes((unsigned char *)&t->seed, sizeof(t->seed)) != 1)
		t->seed = 0x9e3779b97f4a7c15ULL;
	t->max_pending = MEMBER_MAX_PENDING;
	digest_init(&t->digest);
	if (hset_init(&t->by_id) || hset_init(&t->by_cert) ||
	    hset_init(&t->by_pending)) {
		member_table_free(t);
		return -ENOMEM;
	}
	return 0;
}

void member_table_free(struct member_table *t)
{
	while (t->n_all)
		member_drop(t, t->all[t->n_all - 1]);
	while (t->n_stubs)
		member_drop(t, t->stubs[t->n_stubs - 1]);
	free(t->all);
	free(t->stubs);
	free(t->by_id.b);
	free(t->by_cert.b);
	free(t->by_pending.b);
	digest_free(&t->digest);
	memset(t, 0, sizeof(*t));
}

size_t member_mem(const struct member *m)
{
	size_t sum = sizeof(*m);

	if (m->rec)
		sum += record_size(m->rec);
	if (m->pending)
		sum += record_size(m->pending);
	if (m->cert)
		sum += sizeof(*m->cert) + m->cert->der_len;
	if (m->next_cert)
		sum += sizeof(*m->next_cert) + m->next_cert->der_len;
	return sum;
}

size_t member_table_mem(const struct member_table *t)
{
	size_t i, sum = sizeof(*t);

	for (i = 0; i < t->n_all; i++)
		sum += member_mem(t->all[i]);
	for (i = 0; i < t->n_stubs; i++)
		sum += member_mem(t->stubs[i]);
	sum += (t->by_id.mask + 1 + t->by_cert.mask + 1 +
		t->by_pending.mask + 1) * sizeof(struct member_link *);
	sum += (t->cap_all + t->cap_stubs) * sizeof(struct member *);
	return sum + digest_mem(&t->digest);
}
